package forward

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
)

// An answer that ends within wholeUpTo goes on with its length; a longer one, a watch, a
// followed log, a proxied service and a streamed media type go on as they came (chunked), and
// a watch's first event is not held back waiting for the answer to end.
func TestSendWhole(t *testing.T) {
	small, large := strings.Repeat("s", 5000), strings.Repeat("l", wholeUpTo+10)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := "application/json"
		if r.URL.Query().Get("ct") != "" {
			ct = r.URL.Query().Get("ct")
		}
		w.Header().Set("Content-Type", ct)
		body := small
		if r.URL.Query().Get("large") != "" {
			body = large
		}
		// Written in pieces with flushes: no length, as an API server sends objects over 4 KiB.
		for i := 0; i < len(body); i += 1000 {
			_, _ = io.WriteString(w, body[i:min(i+1000, len(body))])
			w.(http.Flusher).Flush()
		}
		if r.URL.Query().Get("watch") == "true" {
			<-r.Context().Done() // a watch stays open
		}
	}))
	defer target.Close()
	base, _ := url.Parse(target.URL)
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Serve(w, r, r.URL.EscapedPath(), Target{Base: base, Transport: http.DefaultTransport, Impersonation: access.Impersonation{User: "alice", HubUser: "alice"}})
	}))
	defer gateway.Close()
	for _, tc := range []struct {
		path, query string
		whole       bool
		want        string
	}{
		{"/api/v1/namespaces/a/configmaps/b", "", true, small},
		{"/api/v1/namespaces/a/configmaps", "large=1", false, large},
		{"/api/v1/namespaces/a/pods/p/log", "follow=true", false, small},
		{"/api/v1/namespaces/a/services/s/proxy/x", "", false, small},
		{"/api/v1/namespaces/a/configmaps/b", "ct=application/json%3Bstream=watch", false, small},
		{"/api/v1/namespaces/a/configmaps/b", "ct=text/plain", false, small},
	} {
		resp, err := http.Get(gateway.URL + tc.path + "?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if whole := resp.ContentLength == int64(len(tc.want)); whole != tc.whole || string(body) != tc.want {
			t.Errorf("%s?%s: length %d (whole: %v, want %v), body %d bytes, want %d", tc.path, tc.query, resp.ContentLength, whole, tc.whole, len(body), len(tc.want))
		}
	}
	// HEAD: the answer states no length of its own.
	resp, err := http.Head(gateway.URL + "/api/v1/namespaces/a/configmaps/b")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Length") == "0" {
		t.Errorf("HEAD answered with Content-Length 0")
	}
	// A watch: its first bytes arrive while it is open.
	resp, err = http.Get(gateway.URL + "/api/v1/namespaces/a/configmaps?watch=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan error, 1)
	go func() { _, err := io.ReadFull(resp.Body, make([]byte, 1000)); got <- err }()
	select {
	case err := <-got:
		if err != nil || resp.ContentLength != -1 {
			t.Errorf("watch: %v, length %d", err, resp.ContentLength)
		}
	case <-time.After(10 * time.Second):
		t.Error("a watch's first event was held back")
	}
}
