package bodylimit

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const secretToken = "s3cr3t-token-never-shown"

// serve answers every request with handler, over TLS with the server's own CA, and returns a
// client configuration that pins that CA and carries a token.
func serve(t *testing.T, handler http.HandlerFunc) *rest.Config {
	t.Helper()
	srv := httptest.NewTLSServer(handler)
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL, BearerToken: secretToken, TLSClientConfig: rest.TLSClientConfig{CAData: caOf(t, srv)}}
}

func caOf(t *testing.T, srv *httptest.Server) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pemEncode(&b, srv.Certificate().Raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gzipped is n zero bytes, gzip-compressed.
func gzipped(t *testing.T, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := io.CopyN(zw, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// list is a NamespaceList of n namespaces whose names hold a brace (not an object).
func list(n int) string {
	var b strings.Builder
	b.WriteString(`{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metadata":{"name":"ns-%d","annotations":{"a":"{\"x\":{}}\\"}}}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

func listNamespaces(t *testing.T, cfg *rest.Config, ctx context.Context) (int, error) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	return len(l.Items), nil
}

func TestLimits(t *testing.T) {
	bomb := gzipped(t, 64<<20)
	small := list(10) // 32 objects; the 20 braces in strings are not
	cases := []struct {
		name    string
		limits  Limits
		handler http.HandlerFunc
		ctx     func(context.Context) context.Context
		want    string // "" for success
	}{
		{"within the limits", Limits{Bytes: 1 << 20, Objects: 32}, jsonHandler(small), nil, ""},
		{"gzip bomb: cut after the limit of decompressed bytes", Limits{Bytes: 1 << 20},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(bomb)
			}, nil, "answered GET /api/v1/namespaces with more than 1 MiB (decompressed)"},
		{"announced length over the limit: refused unread", Limits{Bytes: 100}, jsonHandler(small), nil,
			"answered GET /api/v1/namespaces with more than 100 bytes (it announced"},
		{"too many objects", Limits{Objects: 31}, jsonHandler(small), nil, "with more than 31 JSON objects"},
		{"an encoding nobody asked for", Limits{Bytes: 1 << 20},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "br")
				_, _ = w.Write([]byte("xx"))
			}, nil, `with Content-Encoding "br", which kubectl-import did not ask for`},
		{"protobuf nobody asked for", Limits{Bytes: 1 << 20},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/vnd.kubernetes.protobuf")
				_, _ = w.Write([]byte("k8s\x00"))
			}, nil, `with Content-Type "application/vnd.kubernetes.protobuf", which kubectl-import did not ask for`},
		{"a request's own limits replace the client's", Limits{Objects: 1}, jsonHandler(small),
			func(ctx context.Context) context.Context { return WithLimits(ctx, Limits{Objects: 100}) }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config(serve(t, c.handler), c.limits)
			ctx := context.Background()
			if c.ctx != nil {
				ctx = c.ctx(ctx)
			}
			n, err := listNamespaces(t, cfg, ctx)
			if c.want == "" {
				if err != nil || n != 10 {
					t.Fatalf("got %d namespaces, %v; want 10", n, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("read %d namespaces; want %q", n, c.want)
			}
			cause := Cause(err)
			if !strings.Contains(cause.Error(), c.want) || !strings.Contains(cause.Error(), cfg.Host) {
				t.Errorf("error %q lacks %q or the downstream %s", cause, c.want, cfg.Host)
			}
			if strings.Contains(err.Error(), secretToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

// TestBombReadsOnlyTheLimit: past the limit nothing more is decompressed.
func TestBombReadsOnlyTheLimit(t *testing.T) {
	bomb := gzipped(t, 256<<20)
	cfg := Config(serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	}), Limits{Bytes: 1 << 20})
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(cfg.Host + "/version")
	if err != nil {
		t.Fatal(err)
	}
	read, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || read != 1<<20 {
		t.Fatalf("read %d bytes, err %v; want exactly 1 MiB then a TooLargeError", read, err)
	}
}

// TestTotal bounds every response of one client together.
func TestTotal(t *testing.T) {
	body := list(10)
	cfg := Config(serve(t, jsonHandler(body)), Limits{Total: int64(2*len(body) + len(body)/2)})
	for i, want := range []bool{true, true, false} {
		_, err := listNamespaces(t, cfg, context.Background())
		if (err == nil) != want {
			t.Fatalf("list %d: %v", i+1, err)
		}
		if err != nil && !strings.Contains(Cause(err).Error(), "over the whole command") {
			t.Errorf("error %v does not say the command read too much", err)
		}
	}
}

func jsonHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}
