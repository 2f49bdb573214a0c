package forward

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// wholeUpTo is the largest answer of unknown length sent on as one piece: one object, or a
// small list. A larger one streams as it arrives.
const wholeUpTo = 64 << 10

// sendWhole gives an answer of unknown length (an API server sends objects over about 4 KiB
// chunked, and over HTTP/2 without a length) a length when it ends within wholeUpTo, so that
// httputil writes it once: streamed, every read is flushed on its own, and through a tunnel
// each flush is a frame and a TLS record at every hop. It reads only answers that end: never
// a watch, a followed log, a proxied service or pod (whose answers may not end), an upgrade,
// or a streamed media type.
func sendWhole(resp *http.Response) error {
	if resp.ContentLength != -1 || resp.Request == nil || !mayHaveBody(resp) ||
		mayNotEnd(resp.Request) || !wholeType(resp.Header.Get("Content-Type")) {
		return nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, 8<<10))
	n, err := io.Copy(buf, io.LimitReader(resp.Body, wholeUpTo+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if n > wholeUpTo { // longer: what was read, then the rest as it comes
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(buf, resp.Body), resp.Body}
		return nil
	}
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(buf)
	resp.ContentLength = n
	resp.TransferEncoding = nil
	resp.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	return nil
}

// mayHaveBody says whether resp can carry a body whose length it may state: not an answer to
// HEAD (its length is the GET's), nor 1xx (101 joins the connections), 204 or 304.
func mayHaveBody(resp *http.Response) bool {
	return resp.Request.Method != http.MethodHead &&
		resp.StatusCode >= http.StatusOK && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotModified
}

// mayNotEnd says whether the answer to r may stay open.
func mayNotEnd(r *http.Request) bool {
	q := r.URL.Query()
	for _, key := range []string{"watch", "follow"} {
		if v := q.Get(key); v != "" && v != "false" && v != "0" {
			return true
		}
	}
	p := r.URL.Path
	return strings.Contains(p, "/watch/") || strings.HasSuffix(p, "/proxy") || strings.Contains(p, "/proxy/") ||
		r.Header.Get("Upgrade") != ""
}

// wholeType says whether an answer of media type ct is one document: the API server's own
// encodings, but for watch streams.
func wholeType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || params["stream"] != "" {
		return false
	}
	switch mt {
	case "application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/cbor":
		return true
	}
	return false
}
