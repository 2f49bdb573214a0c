// Package bodylimit bounds what a client reads from a downstream API server, which may be
// hostile: a direct-mode registration points the hub at whatever endpoint its join token
// names. Every response body is cut at a limit of decompressed bytes (a gzip bomb of 1 MB
// on the wire inflates to 1 GiB) and of JSON objects (decoding turns each two-byte "{}" of a
// list into a Go struct of hundreds of bytes), and refused with an error that names the
// downstream, the request and the limit. The hub component, the agent and the plugin all
// reach downstreams through Config.
package bodylimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

// Limits bound what one client reads. Zero means unbounded.
type Limits struct {
	// Bytes bounds one response body, after decompression.
	Bytes int64
	// Objects bounds the JSON objects of one response body.
	Objects int
	// Total bounds the bytes of every response the client reads over its life: for a client
	// that lives as long as one command, however many pages it reads.
	Total int64
}

var (
	// InCluster bounds every downstream read of the hub component and the agent, whose
	// memory limit is shared with everything else they do (4 reconcile workers may read at
	// once): a node page of 50, the member bindings, plans, markers and discovery are far
	// below it.
	InCluster = Limits{Bytes: 2 << 20, Objects: 10_000}
	// Streamed bounds one page of a list decoded item by item into the few fields kept
	// (nodes, namespaces): a real node carries a few hundred objects (managedFields, images),
	// which the decoder skips without allocating them.
	Streamed = Limits{Bytes: 4 << 20, Objects: 50_000}
	// Plugin bounds a verb reading a downstream from the user's machine: one page of 100
	// whole nodes is about 4 MiB and 30,000 objects; Total bounds a whole command.
	Plugin = Limits{Bytes: 32 << 20, Objects: 200_000, Total: 512 << 20}
	// Proxied is no limit, for the gateway's reverse proxy: it copies each answer to its client
	// as it arrives, decoding and holding none, and passes the client's own content
	// negotiation and encoding through; Config leaves such a configuration as it is.
	Proxied = Limits{}
)

type limitsKey struct{}

// WithLimits makes the requests sent with ctx read under l instead of the client's limits:
// for a list streamed item by item (Streamed), or a log stream copied to the terminal as it
// arrives (Limits{}: bounded per read, not in length).
func WithLimits(ctx context.Context, l Limits) context.Context {
	return context.WithValue(ctx, limitsKey{}, l)
}

// Config is a copy of cfg whose every response is read under l. It asks for JSON only, whose
// objects are counted (client-go asks for protobuf first, which decodes into the same structs
// uncounted), and keeps compression (a node list is several times smaller gzipped), counting
// the bytes after decompression.
func Config(cfg *rest.Config, l Limits) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	if l == Proxied {
		return cfg
	}
	cfg.ContentType, cfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	inner, downstream := cfg.WrapTransport, cfg.Host
	total := &atomic.Int64{}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if inner != nil {
			rt = inner(rt)
		}
		return &transport{next: rt, downstream: downstream, limits: l, total: total}
	}
	return cfg
}

// TooLargeError says that a downstream answered a request with more than a limit allows.
type TooLargeError struct {
	Downstream string
	// Request is the method and path, e.g. "GET /api/v1/namespaces" (no query).
	Request string
	// Limit is what was exceeded, in words: "2 MiB (decompressed)", "10000 JSON objects".
	Limit string
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the downstream %s answered %s with more than %s, the most kubectl-import reads from a downstream: it answered too much, and the rest was not read",
		e.Downstream, e.Request, e.Limit)
}

// EncodingError says that a downstream answered with a Content-Encoding or Content-Type the
// client did not ask for and does not bound.
type EncodingError struct {
	Downstream, Request, What string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("the downstream %s answered %s with %s, which kubectl-import did not ask for: refused unread",
		e.Downstream, e.Request, e.What)
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Cause is the refusal of this package inside err, if any, else err: client-go wraps a body
// that could not be read in "unexpected error when reading response body. Please retry",
// which retrying would not help.
func Cause(err error) error {
	var tooLarge *TooLargeError
	var encoding *EncodingError
	var kept *KeptTooMuchError
	switch {
	case errors.As(err, &tooLarge):
		return tooLarge
	case errors.As(err, &encoding):
		return encoding
	case errors.As(err, &kept):
		return kept
	}
	return err
}

// KeptTooMuchError says that what a reader keeps of a downstream's answers, over several of
// them (the pages of a list), passed its bound.
type KeptTooMuchError struct{ Message string }

func (e *KeptTooMuchError) Error() string { return e.Message }

// Refused says whether err is, or wraps, a refusal of a downstream's answer for its size or
// encoding.
func Refused(err error) bool {
	var tooLarge *TooLargeError
	var encoding *EncodingError
	var kept *KeptTooMuchError
	return errors.As(err, &tooLarge) || errors.As(err, &encoding) || errors.As(err, &kept)
}
