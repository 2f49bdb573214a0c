package tunnel

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/internal/testenv/gatewaytest"
)

// The agent's end answers who it is, so that a test knows which tunnel carried a request.
func answering(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, name) })
}

func get(t *testing.T, rt http.RoundTripper, path string) (string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://agent"+path, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestDialRefusedWithoutTheAgentsCredential(t *testing.T) {
	reg := NewRegistry(nil)
	srv := hubFor(t, reg, "prod", "agent-token", Config{}, nil)
	if _, err := Dial(context.Background(), hubConfig(srv, "other-token"), "prod", Config{}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("Dial with another token: %v", err)
	}
	if _, ok := reg.Since("prod"); ok {
		t.Error("a tunnel was attached")
	}
}

// A second connection of the same agent replaces the first, which is closed; requests go
// through the new one; the events say so, and the end of the replaced one says nothing.
func TestReplacement(t *testing.T) {
	var ev events
	reg := NewRegistry(ev.add)
	srv := hubFor(t, reg, "prod", "agent-token", Config{}, nil)
	hub := hubConfig(srv, "agent-token")

	first := agentServing(t, hub, "prod", Config{}, answering("first"))
	waitFor(t, 5*time.Second, "the first tunnel", func() bool { _, ok := reg.Since("prod"); return ok })
	since1, _ := reg.Since("prod")
	rt, _ := reg.RoundTripper("prod")
	if got, err := get(t, rt, "/"); err != nil || got != "first" {
		t.Fatalf("through the first tunnel: %q, %v", got, err)
	}

	agentServing(t, hub, "prod", Config{}, answering("second"))
	waitFor(t, 5*time.Second, "the first tunnel to close", first.IsClosed)
	since2, ok := reg.Since("prod")
	if !ok || !since2.After(since1) {
		t.Fatalf("connected since %v, %v (first %v)", since2, ok, since1)
	}
	rt, _ = reg.RoundTripper("prod")
	if got, err := get(t, rt, "/"); err != nil || got != "second" {
		t.Fatalf("through the second tunnel: %q, %v", got, err)
	}
	time.Sleep(100 * time.Millisecond) // the replaced tunnel's end has been seen
	got := ev.list()
	if len(got) != 2 || !got[0].Connected || got[0].Replaced || !got[1].Connected || !got[1].Replaced {
		t.Errorf("events %+v, want connected then connected (replaced)", got)
	}
	if c := reg.Connected(); len(c) != 1 || !c["prod"].Equal(since2) {
		t.Errorf("Connected() = %v", c)
	}
}

// frozen stands for a peer that went silent (a dead NAT entry, a suspended VM): once frozen,
// what is written vanishes and nothing more arrives.
type frozen struct {
	io.ReadWriteCloser
	on     atomic.Bool
	closed chan struct{}
	once   sync.Once
}

func (f *frozen) Read(p []byte) (int, error) {
	n, err := f.ReadWriteCloser.Read(p)
	if f.on.Load() {
		<-f.closed
		return 0, io.EOF
	}
	return n, err
}

func (f *frozen) Write(p []byte) (int, error) {
	if f.on.Load() {
		return len(p), nil
	}
	return f.ReadWriteCloser.Write(p)
}

func (f *frozen) Close() error {
	f.once.Do(func() { close(f.closed) })
	return f.ReadWriteCloser.Close()
}

// Keepalive pings find a silent peer within KeepAlive + Timeout: the tunnel is dropped and
// the registry says the cluster is disconnected.
func TestKeepaliveFindsASilentPeer(t *testing.T) {
	var ev events
	reg := NewRegistry(ev.add)
	c := Config{KeepAlive: 200 * time.Millisecond, Timeout: 300 * time.Millisecond}
	var link *frozen
	srv := hubFor(t, reg, "edge", "agent-token", c, func(rwc io.ReadWriteCloser) io.ReadWriteCloser {
		link = &frozen{ReadWriteCloser: rwc, closed: make(chan struct{})}
		return link
	})
	agentServing(t, hubConfig(srv, "agent-token"), "edge", c, answering("edge"))
	waitFor(t, 5*time.Second, "the tunnel", func() bool { _, ok := reg.Since("edge"); return ok })
	time.Sleep(3 * c.KeepAlive) // pings answered: still connected
	if _, ok := reg.Since("edge"); !ok {
		t.Fatal("a live tunnel was dropped")
	}
	link.on.Store(true)
	frozenAt := time.Now()
	waitFor(t, 5*time.Second, "the silent tunnel to be dropped", func() bool { _, ok := reg.Since("edge"); return !ok })
	took := time.Since(frozenAt)
	if limit := 2 * (c.KeepAlive + c.Timeout); took > limit {
		t.Errorf("found the silent peer after %s, want within %s", took, limit)
	}
	got := ev.list()
	if len(got) != 2 || got[1].Connected || got[1].Cluster != "edge" {
		t.Errorf("events %+v, want connected then disconnected", got)
	}
	t.Logf("silent peer found after %s (keepalive %s, timeout %s)", took.Round(time.Millisecond), c.KeepAlive, c.Timeout)
}

// An upgrade (WebSocket and SPDY) round-trips through a reverse proxy over the tunnel.
func TestUpgradeThroughTheTunnel(t *testing.T) {
	reg := NewRegistry(nil)
	srv := hubFor(t, reg, "prod", "agent-token", Config{}, nil)
	agentServing(t, hubConfig(srv, "agent-token"), "prod", Config{}, gatewaytest.UpgradeEcho())
	waitFor(t, 5*time.Second, "the tunnel", func() bool { _, ok := reg.Since("prod"); return ok })
	rt, _ := reg.RoundTripper("prod")
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(&url.URL{Scheme: "http", Host: "agent"}) },
		Transport: rt,
	}
	front := httptestServer(t, proxy)
	for _, proto := range []string{"websocket", "SPDY/3.1"} {
		conn, err := netDial(front)
		if err != nil {
			t.Fatal(err)
		}
		if err := gatewaytest.Upgrade(conn, "x", "/exec", proto); err != nil {
			t.Error(err)
		}
		conn.Close()
	}
}
