package hubserver

import (
	"context"
	"time"

	"github.com/go-logr/logr"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/server"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
)

// Liveness from the gateway's tunnels (pkg/liveness): every replica records the tunnels it
// holds as they attach and go, and reads the other replicas' every peerPollInterval (an answer
// costs a few bytes while nothing changed), so the reconciler's leader knows within seconds
// which agents hold a tunnel anywhere, with nothing written to the hub.

const (
	// selfReplica names this replica's own tunnels in the record; peers are named by URL.
	selfReplica = "self"
	// peerPollInterval is how often each other replica is read: a tunnel that ends on
	// another replica is known within it (plus liveness.ReconnectGrace before it counts).
	peerPollInterval = 2 * time.Second
	// peerStale is how long a replica that cannot be read keeps counting: past it, its
	// tunnels count as gone (their agents reconnect elsewhere within the reconnect grace).
	peerStale = 10 * time.Second
	// tunnelKeepAlive is how often the gateway pings each tunnel: a silent agent (stopped,
	// its connection idle) is found within it plus the ping's timeout (10 s), so that it
	// shows Unavailable within 45 s (plus liveness.ReconnectGrace and a poll).
	tunnelKeepAlive = 15 * time.Second
)

// recordTunnels is the gateway registry's event handler that keeps this replica's tunnels
// in the record.
func recordTunnels(tunnels *liveness.Tunnels, log logr.Logger) func(tunnel.Event) {
	return func(e tunnel.Event) {
		log.V(1).Info("tunnel", "cluster", e.Cluster, "connected", e.Connected, "replaced", e.Replaced)
		if tunnels == nil {
			return
		}
		if e.Connected {
			tunnels.Attached(selfReplica, e.Cluster, e.At)
		} else {
			tunnels.Detached(selfReplica, e.Cluster, e.At)
		}
	}
}

// pollPeers reads the other replicas' tunnels into the record until ctx ends.
func pollPeers(ctx context.Context, peers *server.Peers, tunnels *liveness.Tunnels, log logr.Logger) {
	type read struct {
		version uint64
		at      time.Time
	}
	last := map[string]read{}
	tick := time.NewTicker(peerPollInterval)
	defer tick.Stop()
	for {
		now := time.Now()
		listed := map[string]bool{}
		for _, peer := range peers.Others() {
			listed[peer] = true
			rctx, cancel := context.WithTimeout(ctx, peerPollInterval)
			held, version, changed, err := peers.Tunnels(rctx, peer, last[peer].version)
			cancel()
			switch {
			case err != nil:
				if r, ok := last[peer]; ok && now.Sub(r.at) > peerStale {
					log.Info("a gateway replica cannot be read: its tunnels count as gone", "peer", peer, "error", err.Error())
					tunnels.Forget(peer, r.at)
					delete(last, peer)
				}
			case changed:
				tunnels.Replace(peer, held, now)
				last[peer] = read{version: version, at: now}
			default:
				last[peer] = read{version: version, at: now}
			}
		}
		for _, replica := range tunnels.Replicas() {
			if replica != selfReplica && !listed[replica] {
				tunnels.Forget(replica, now) // the replica left the Service
				delete(last, replica)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
