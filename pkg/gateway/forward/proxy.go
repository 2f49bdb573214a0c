package forward

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
)

// Target is where a request goes and as whom.
type Target struct {
	// Base is the API server's URL; the request's path is appended to its path.
	Base *url.URL
	// Transport carries the request and adds the forwarder's own credential.
	Transport http.RoundTripper
	// Impersonation is set on the request after every client header that could change who
	// it runs as was removed (access.Scrub must have run on the incoming request).
	Impersonation access.Impersonation
	// Log records failures.
	Log logr.Logger
}

// Serve forwards r, whose headers access.Scrub has cleaned, to escapedPath (with r's query)
// under t.Base, streaming the answer back: a response without a length (watches, logs) is
// flushed as it arrives, and a 101 answer joins the two connections.
func Serve(w http.ResponseWriter, r *http.Request, escapedPath string, t Target) {
	path, err := url.PathUnescape(escapedPath)
	if err != nil {
		WriteStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "the path is not validly escaped: "+err.Error())
		return
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			out := pr.Out
			out.URL.Scheme, out.URL.Host, out.Host = t.Base.Scheme, t.Base.Host, ""
			out.URL.Path = strings.TrimSuffix(t.Base.Path, "/") + path
			out.URL.RawPath = strings.TrimSuffix(t.Base.EscapedPath(), "/") + escapedPath
			if out.URL.RawPath == out.URL.Path {
				out.URL.RawPath = ""
			}
			// Headers set here come after httputil removed the hop-by-hop ones, so a
			// header named in Connection cannot strip them.
			access.Apply(out.Header, t.Impersonation)
		},
		Transport:      t.Transport,
		ModifyResponse: sendWhole,
		// No FlushInterval: httputil flushes every write of a streamed answer (no
		// Content-Length: watches, logs, chunked lists) and an answer of known length once,
		// whole, which through a tunnel is one frame instead of several.
		BufferPool: buffers,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the client went away
			}
			t.Log.Error(err, "forwarding failed", "path", path)
			WriteStatus(w, http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, "the cluster's API server could not be reached: "+err.Error())
		},
	}
	p.ServeHTTP(w, r)
}

// buffers are the copy buffers of every forwarded body (32 KiB, as httputil's own).
var buffers = &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}}

type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }
