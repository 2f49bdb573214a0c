// Package agentlink is the agent's end of the hub gateway: it keeps the cluster's tunnel to
// the hub open (dialling out, through the hub API server) and serves the requests the
// gateway sends through it, forwarding each to the downstream API server as the dedicated
// impersonator identity, impersonating whom the gateway decided.
package agentlink

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
)

// Handler forwards the gateway's requests to the downstream.
type Handler struct {
	base      *url.URL
	transport http.RoundTripper
	log       logr.Logger
}

// NewHandler forwards to the API server of downstream, whose credential is the impersonator's
// (allowed to impersonate exactly the member subjects, nothing else).
func NewHandler(downstream *rest.Config, log logr.Logger) (*Handler, error) {
	if downstream.Impersonate.UserName != "" || len(downstream.Impersonate.Groups) > 0 || downstream.Impersonate.UID != "" || len(downstream.Impersonate.Extra) > 0 {
		return nil, errors.New("the downstream configuration impersonates already: give the impersonator's own credential")
	}
	base, err := url.Parse(downstream.Host)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("downstream API server %q is not a URL with a host", downstream.Host)
	}
	rt, err := forward.Transport(downstream)
	if err != nil {
		return nil, err
	}
	return &Handler{base: base, transport: rt, log: log}, nil
}

// ServeHTTP checks the gateway's impersonation again (access.Check), removes every other
// header that could change who the request runs as, and forwards it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	imp, err := access.Accept(r.Header)
	if err != nil {
		h.log.Info("refused a request from the gateway", "reason", err.Error(), "path", r.URL.Path)
		forward.WriteStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden, "the cluster's agent refuses the impersonation: "+err.Error())
		return
	}
	forward.Serve(w, r, r.URL.EscapedPath(), forward.Target{Base: h.base, Transport: h.transport, Impersonation: imp, Log: h.log})
}
