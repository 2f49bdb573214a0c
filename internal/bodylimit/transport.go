package bodylimit

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
)

// transport applies the limits to each response of next.
type transport struct {
	next       http.RoundTripper
	downstream string
	limits     Limits
	total      *atomic.Int64
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	l := t.limits
	if override, ok := req.Context().Value(limitsKey{}).(Limits); ok {
		l = override
	}
	request := req.Method + " " + req.URL.Path
	refuse := func(err error) (*http.Response, error) {
		resp.Body.Close()
		return nil, err
	}
	// Go's transport asks for gzip and removes the header once it decompresses; any encoding
	// left is one nobody asked for, which client-go would take for the body.
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return refuse(&EncodingError{Downstream: t.downstream, Request: request, What: fmt.Sprintf("Content-Encoding %q", enc)})
	}
	json, err := jsonBody(req, resp)
	if err != nil {
		return refuse(&EncodingError{Downstream: t.downstream, Request: request, What: err.Error()})
	}
	if l.Bytes > 0 && resp.ContentLength > l.Bytes {
		return refuse(&TooLargeError{Downstream: t.downstream, Request: request,
			Limit: fmt.Sprintf("%s (it announced %d bytes)", mib(l.Bytes), resp.ContentLength)})
	}
	b := &body{rc: resp.Body, limits: l, left: l.Bytes, total: t.total, countObjects: json && l.Objects > 0,
		tooLarge: func(limit string) error {
			return &TooLargeError{Downstream: t.downstream, Request: request, Limit: limit}
		}}
	resp.Body = b
	return resp, nil
}

// jsonBody says whether the response is JSON, whose objects are counted. Protobuf and CBOR,
// which decode into the same structs and are not counted, are refused unless the request
// named them.
func jsonBody(req *http.Request, resp *http.Response) (bool, error) {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return false, nil
	}
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, fmt.Errorf("Content-Type %q", ct)
	}
	switch {
	case strings.HasSuffix(media, "json"):
		return true, nil
	case strings.Contains(media, "protobuf") || strings.Contains(media, "cbor"):
		if strings.Contains(req.Header.Get("Accept"), media) {
			return false, nil
		}
		return false, fmt.Errorf("Content-Type %q", media)
	}
	return false, nil
}

// body reads a response under the limits; past one, it closes the response (the rest is
// never read, nor decompressed) and every read returns the error.
type body struct {
	rc           io.ReadCloser
	limits       Limits
	left         int64         // bytes still allowed when limits.Bytes > 0
	total        *atomic.Int64 // the client's bytes so far, against limits.Total
	countObjects bool
	objects      int
	inString     bool
	escaped      bool
	err          error
	tooLarge     func(limit string) error
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.limits.Bytes > 0 && int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte past the limit tells a body of exactly the limit from a larger one
	}
	n, err := b.rc.Read(p)
	if b.limits.Bytes > 0 {
		if int64(n) > b.left {
			return b.fail(int(b.left), b.tooLarge(mib(b.limits.Bytes)+" (decompressed)"))
		}
		b.left -= int64(n)
	}
	if b.limits.Total > 0 && b.total.Add(int64(n)) > b.limits.Total {
		return b.fail(0, b.tooLarge(mib(b.limits.Total)+" over the whole command"))
	}
	if b.countObjects && b.count(p[:n]) > b.limits.Objects {
		return b.fail(0, b.tooLarge(fmt.Sprintf("%d JSON objects", b.limits.Objects)))
	}
	return n, err
}

func (b *body) fail(n int, err error) (int, error) {
	b.err = err
	b.rc.Close()
	return n, err
}

// count adds the objects ('{' outside strings) of p to the running count.
func (b *body) count(p []byte) int {
	for _, c := range p {
		switch {
		case b.escaped:
			b.escaped = false
		case b.inString:
			switch c {
			case '\\':
				b.escaped = true
			case '"':
				b.inString = false
			}
		case c == '"':
			b.inString = true
		case c == '{':
			b.objects++
		}
	}
	return b.objects
}

func (b *body) Close() error {
	if b.err != nil {
		return nil // closed when the limit was hit
	}
	return b.rc.Close()
}
