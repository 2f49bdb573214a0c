package tunnel

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// connectProxy is an HTTPS proxy (HTTP CONNECT) that counts the tunnels it opened.
func connectProxy(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var connects atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		upstream, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		connects.Add(1)
		w.WriteHeader(http.StatusOK)
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		go func() { _, _ = io.Copy(upstream, rw); upstream.Close() }()
		_, _ = io.Copy(conn, upstream)
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &connects
}

// The agent reaches the hub through an HTTPS proxy (the rest.Config's, or HTTPS_PROXY and
// NO_PROXY when it names none), the hub's CA still pinned end to end.
func TestDialThroughAnHTTPSProxy(t *testing.T) {
	reg := NewRegistry(nil)
	srv := hubFor(t, reg, "edge", "agent-token", Config{}, nil)
	proxy, connects := connectProxy(t)
	hub := hubConfig(srv, "agent-token")
	proxyURL, _ := url.Parse(proxy.URL)
	hub.Proxy = http.ProxyURL(proxyURL)
	agentServing(t, hub, "edge", Config{}, answering("edge"))
	waitFor(t, 5*time.Second, "the tunnel", func() bool { _, ok := reg.Since("edge"); return ok })
	rt, _ := reg.RoundTripper("edge")
	if got, err := get(t, rt, "/"); err != nil || got != "edge" {
		t.Fatalf("through the tunnel: %q, %v", got, err)
	}
	if n := connects.Load(); n != 1 {
		t.Errorf("%d CONNECTs through the proxy, want 1", n)
	}
}
