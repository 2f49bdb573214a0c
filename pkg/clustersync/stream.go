package clustersync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
)

// maxPages bounds the pages of one list: a server that never stops handing out continue
// tokens is not a Kubernetes API server.
const maxPages = 2000

// streamList reads every page of a core list (resource "nodes", "namespaces"), each page
// under bodylimit.Streamed and decoded item by item as it arrives: item decodes one element
// into what it keeps, so neither a page's JSON nor its items are ever held whole.
func streamList(ctx context.Context, rc *rest.RESTClient, resource string, opts metav1.ListOptions, item func(*json.Decoder) error) error {
	ctx = bodylimit.WithLimits(ctx, bodylimit.Streamed)
	for range maxPages {
		next, err := streamPage(ctx, rc, resource, opts, item)
		if err != nil || next == "" {
			return err
		}
		opts.Continue = next
	}
	return &bodylimit.KeptTooMuchError{Message: fmt.Sprintf("the downstream answered more than %d pages of %s, more than any Kubernetes API server pages a list into: refused", maxPages, resource)}
}

// streamPage reads one page and returns its continue token.
func streamPage(ctx context.Context, rc *rest.RESTClient, resource string, opts metav1.ListOptions, item func(*json.Decoder) error) (string, error) {
	body, err := rc.Get().Resource(resource).VersionedParams(&opts, scheme.ParameterCodec).Stream(ctx)
	if err != nil {
		return "", err
	}
	defer body.Close()
	dec := json.NewDecoder(body)
	bad := func(err error) (string, error) {
		if bodylimit.Refused(err) {
			return "", bodylimit.Cause(err)
		}
		return "", fmt.Errorf("decoding a page of %s: %w", resource, err)
	}
	if _, err := dec.Token(); err != nil { // {
		return bad(err)
	}
	next := ""
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		switch key {
		case "metadata":
			var m struct {
				Continue string `json:"continue"`
			}
			if err := dec.Decode(&m); err != nil {
				return bad(err)
			}
			next = m.Continue
		case "items":
			if _, err := dec.Token(); err != nil { // [
				return bad(err)
			}
			for dec.More() {
				if err := item(dec); err != nil {
					return bad(err)
				}
			}
			if _, err := dec.Token(); err != nil { // ]
				return bad(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bad(err)
			}
		}
	}
	return next, nil
}

// maxKeptPerObject bounds the entries kept of one labels or annotations object: the sync reads
// a handful (roles, the plan hashes of two plans, the launch arguments).
const maxKeptPerObject = 32

// errTooManyKept is returned for an object with more kept entries than maxKeptPerObject.
var errTooManyKept = &bodylimit.KeptTooMuchError{Message: fmt.Sprintf("more than %d labels or annotations of the kinds kubectl-import reads on one object, more than a Kubernetes object carries: refused", maxKeptPerObject)}

// decodeKept decodes a JSON object of strings (labels, annotations), keeping only the keys keep
// accepts: a map of whatever size the downstream sent is never built.
func decodeKept(data []byte, keep func(string) bool) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok == nil {
		return nil, err // null: no map
	} else if tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object of strings, got %v", tok)
	}
	var kept map[string]string
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		value, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := key.(string)
		v, ok := value.(string)
		if !ok {
			return nil, fmt.Errorf("the value of %q is not a string", k)
		}
		if !keep(k) {
			continue
		}
		if kept == nil {
			kept = map[string]string{}
		}
		if kept[k] = v; len(kept) > maxKeptPerObject {
			return nil, errTooManyKept
		}
	}
	return kept, nil
}
