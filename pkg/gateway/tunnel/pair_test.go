package tunnel

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/yamux"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// hubFor is an HTTPS server standing for the hub: it accepts the tunnel of cluster from an
// agent presenting token, into reg, wrapping the gateway's side of the connection with wrap
// (nil: as is).
func hubFor(t *testing.T, reg *Registry, cluster, token string, c Config, wrap func(io.ReadWriteCloser) io.ReadWriteCloser) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token || r.URL.Path != gatewayapi.AttachPath(cluster) {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		if wrap == nil {
			s, err := Accept(w, r, c)
			if err != nil {
				t.Errorf("Accept: %v", err)
				return
			}
			reg.Attach(cluster, s)
			return
		}
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		s, err := Client(wrap(NewConn(ws)), c)
		if err != nil {
			t.Errorf("Client: %v", err)
			return
		}
		reg.Attach(cluster, s)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// hubConfig reaches srv as an agent with token, the server's CA pinned.
func hubConfig(srv *httptest.Server, token string) *rest.Config {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return &rest.Config{Host: srv.URL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
}

// agentServing dials the tunnel of cluster and serves h on it until the test ends; it
// returns the agent's session.
func agentServing(t *testing.T, hub *rest.Config, cluster string, c Config, h http.Handler) *yamux.Session {
	t.Helper()
	s, err := Dial(context.Background(), hub, cluster, c)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(s) }()
	t.Cleanup(func() { _ = s.Close(); _ = srv.Close(); <-done })
	return s
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// events records a registry's events.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (e *events) add(ev Event) { e.mu.Lock(); e.all = append(e.all, ev); e.mu.Unlock() }

func (e *events) list() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.all...)
}
