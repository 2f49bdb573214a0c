package agentrun

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
)

// Heartbeat renews the Lease kimport-system/cluster-NAME in the hub until ctx ends, at the
// cadence the hub publishes in it (pkg/heartbeat: a third of its leaseDurationSeconds,
// jittered), read at every renewal. The hub judges liveness by when it sees the renewal, by its
// own clock. hub is the agent's own hub client (kubernetes.Interface's CoordinationV1());
// exported for a fleet simulator, which runs thousands of agents' heartbeats in one process.
//
// With link (the agent's tunnel to the hub gateway) it renews only while the tunnel is down:
// the hub knows a connected agent alive without any write. It first gives the tunnel a few
// seconds to attach, and after the tunnel goes a moment to reattach (a hub replica that
// restarts: the agent reconnects to another at once), so that neither a fleet starting
// together nor a replica's restart turns into a burst of Lease writes; both waits end well
// within the hub's reconnect grace (liveness.ReconnectGrace). A nil link renews always (a
// hub without the gateway).
func Heartbeat(ctx context.Context, hub coordinationv1client.LeasesGetter, cluster string, link *Link) error {
	logger := log.FromContext(ctx).WithName("heartbeat")
	cadence := heartbeat.Of(heartbeat.DefaultLease) // until the Lease is read
	failing := false
	if link != nil && !sleep(ctx, jittered(firstTunnelWait)) {
		return nil
	}
	for {
		var changed <-chan struct{}
		if link != nil {
			var up bool
			if up, changed = link.state(); up {
				select {
				case <-ctx.Done():
					return nil
				case <-changed:
				}
				if !sleep(ctx, jittered(reattachWait)) {
					return nil
				}
				continue
			}
		}
		published, err := RenewLease(ctx, hub, cluster, cadence.Interval())
		switch {
		case err != nil && !failing:
			logger.Error(err, "cannot renew the heartbeat; the hub marks the cluster Unavailable after its grace period")
		case err == nil && failing:
			logger.Info("heartbeat renewed again")
		}
		if err == nil && published != cadence {
			logger.Info("the hub publishes a heartbeat cadence", "lease", published.Lease, "interval", published.Interval())
			cadence = published
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(cadence.Next(rand.Float64())):
		case <-changed: // the tunnel is up: renew no more
		}
	}
}

const (
	// firstTunnelWait is how long the heartbeat waits for the tunnel before its first
	// renewal, reattachWait how long after the tunnel went; each up to half again, jittered.
	firstTunnelWait = 3 * time.Second
	reattachWait    = 2 * time.Second
)

// jittered is d lengthened by up to half, at random: agents that wait together do not renew
// together.
func jittered(d time.Duration) time.Duration {
	return d + time.Duration(rand.Float64()*float64(d)/2)
}

// sleep waits d, false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// RenewLease renews the heartbeat Lease of cluster once (read, then update with renewTime
// now, and acquireTime on the first renewal), bounded by bound, and returns the cadence the hub
// publishes in it. Nothing else of the Lease changes: the hub's policy kimport-agent-heartbeat
// refuses any other change by an agent. A conflict (the hub published a new cadence between
// the read and the update) is retried at once.
func RenewLease(ctx context.Context, hub coordinationv1client.LeasesGetter, cluster string, bound time.Duration) (heartbeat.Cadence, error) {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	leases := hub.Leases(v1alpha1.HubNamespace)
	var published heartbeat.Cadence
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		l, err := leases.Get(ctx, v1alpha1.HeartbeatName(cluster), metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("reading Lease %s/%s: %w", v1alpha1.HubNamespace, v1alpha1.HeartbeatName(cluster), err)
		}
		now := metav1.NewMicroTime(time.Now())
		l.Spec.RenewTime = &now
		if l.Spec.AcquireTime == nil {
			l.Spec.AcquireTime = &now
		}
		if _, err := leases.Update(ctx, l, metav1.UpdateOptions{FieldManager: v1alpha1.AgentComponent}); err != nil {
			return fmt.Errorf("renewing Lease %s/%s: %w", v1alpha1.HubNamespace, l.Name, err)
		}
		published = heartbeat.Published(l)
		return nil
	})
	return published, err
}
