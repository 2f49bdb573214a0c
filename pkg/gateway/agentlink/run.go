package agentlink

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
)

// Options configure the agent's end of the gateway.
type Options struct {
	// Cluster is the ImportedCluster's name.
	Cluster string
	// Hub reaches the hub API server as the agent's own hub identity, with the hub CA pinned
	// (and Proxy, or HTTPS_PROXY/NO_PROXY).
	Hub *rest.Config
	// Downstream reaches the downstream API server as the impersonator.
	Downstream *rest.Config
	// Tunnel tunes keepalives.
	Tunnel tunnel.Config
	// Backoff spaces reconnections (1 s doubling to 16 s, with jitter, when zero): short
	// enough that after a hub replica's restart every agent is back within the hub's start-up
	// grace (liveness.StartupGrace), however long the replica was away.
	Backoff wait.Backoff
	// OnSession, if set, is told each time a tunnel is up (true) and down (false).
	OnSession func(up bool)
	Log       logr.Logger
}

// stable is how long a tunnel must have lived for the next reconnection to start again at
// the shortest backoff.
const stable = time.Minute

// Run keeps the tunnel open until ctx ends, reconnecting with backoff, and serves the
// gateway's requests on it.
func Run(ctx context.Context, o Options) error {
	h, err := NewHandler(o.Downstream, o.Log)
	if err != nil {
		return err
	}
	backoff := o.Backoff
	if backoff.Steps == 0 {
		backoff = wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.2, Steps: 5, Cap: 16 * time.Second}
	}
	delay := backoff
	for ctx.Err() == nil {
		start := time.Now()
		err := serveOnce(ctx, o, h)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > stable {
			delay = backoff
		}
		wait := delay.Step() // at the cap, Step keeps returning it
		o.Log.Info("gateway tunnel down, reconnecting", "cluster", o.Cluster, "error", errString(err), "in", wait.Round(time.Millisecond).String())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	return nil
}

// serveOnce opens one tunnel and serves on it until it closes.
func serveOnce(ctx context.Context, o Options, h http.Handler) error {
	s, err := tunnel.Dial(ctx, o.Hub, o.Cluster, o.Tunnel)
	if err != nil {
		return err
	}
	o.Log.Info("gateway tunnel up", "cluster", o.Cluster)
	if o.OnSession != nil {
		o.OnSession(true)
		defer o.OnSession(false)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: nil}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	err = srv.Serve(s)
	_ = srv.Close()
	_ = s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func errString(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}
