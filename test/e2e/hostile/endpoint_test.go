package hostile

import (
	"bytes"
	"compress/gzip"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// endpoint is a TLS server with its own CA that a direct-mode registration points the hub at.
type endpoint struct {
	URL      string
	CA       []byte // PEM
	requests atomic.Int64
	sent     atomic.Int64 // body bytes written, as sent on the wire
}

func startEndpoint(t *testing.T, handler func(e *endpoint, w http.ResponseWriter, r *http.Request)) *endpoint {
	t.Helper()
	e := &endpoint{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		handler(e, countingWriter{w, &e.sent}, r)
	}))
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	e.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return e
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// gzipBomb is size bytes of zeros, gzip-compressed: about 1 MB on the wire per GiB.
func gzipBomb(t *testing.T, size int64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zero)) {
		if _, err := zw.Write(zero[:min(left, int64(len(zero)))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombEverything answers every request, whatever its path, with bomb as a gzip-encoded JSON
// body: it inflates only in the client.
func bombEverything(bomb []byte) func(*endpoint, http.ResponseWriter, *http.Request) {
	return func(_ *endpoint, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	}
}

// hugeNamespaceList plays a Kubernetes API server (version, no nodes) whose namespace list is
// size bytes in one answer, whatever page size was asked for, written as the client reads it.
func hugeNamespaceList(size int64) func(*endpoint, http.ResponseWriter, *http.Request) {
	item := `{"metadata":{"name":"team-%08d","uid":"00000000-0000-0000-0000-%012d","labels":{"team":"t"}}}`
	return func(_ *endpoint, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
		case "/api/v1/nodes":
			fmt.Fprint(w, `{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[]}`)
		case "/api/v1/namespaces":
			var written int64
			n, _ := io.WriteString(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[`)
			var chunk strings.Builder
			for i := 0; written+int64(n) < size; i++ {
				chunk.Reset()
				for j := range 1000 {
					if i > 0 || j > 0 {
						chunk.WriteByte(',')
					}
					fmt.Fprintf(&chunk, item, i*1000+j, i*1000+j)
				}
				written += int64(n)
				if n, _ = io.WriteString(w, chunk.String()); n == 0 {
					return // the client hung up: what its limit is for
				}
			}
			_, _ = io.WriteString(w, "]}")
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
		}
	}
}
