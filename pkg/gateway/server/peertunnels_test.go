package server

import (
	"context"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
)

// A replica reads the tunnels its peer holds, over the peer endpoint; asked again with the
// version it holds, it gets nothing while nothing changed, and the new set once a tunnel went.
func TestPeerTunnels(t *testing.T) {
	r := startReplicas(t)
	rt, err := forward.Transport(peerClient(t, r.peerCA))
	if err != nil {
		t.Fatal(err)
	}
	p := &Peers{Transport: rt}
	ctx := context.Background()
	held, version, changed, err := p.Tunnels(ctx, r.peerA.URL, 0)
	if err != nil || !changed || len(held) != 1 || held["prod"].IsZero() {
		t.Fatalf("first read: %v %d %v %v, want prod's tunnel", held, version, changed, err)
	}
	if since, _ := r.tunnels.Since("prod"); !held["prod"].Equal(since) {
		t.Errorf("prod since %s, the holder says %s", held["prod"], since)
	}
	held, again, changed, err := p.Tunnels(ctx, r.peerA.URL, version)
	if err != nil || changed || held != nil || again != version {
		t.Fatalf("unchanged read: %v %d %v %v, want nothing new", held, again, changed, err)
	}
	r.tunnels.Close()
	for range 100 { // the registry forgets a closed tunnel on its own goroutine
		if held, version, changed, err = p.Tunnels(ctx, r.peerA.URL, version); err != nil || changed {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || !changed || len(held) != 0 {
		t.Fatalf("after the tunnel went: %v %d %v %v, want an empty set", held, version, changed, err)
	}
	// Only its certified peers may ask.
	if _, _, _, err := (&Peers{Transport: r.b.Client().Transport}).Tunnels(ctx, r.peerA.URL, 0); err == nil {
		t.Error("a client without the peer certificate read the tunnels")
	}
}
