package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
)

// With several replicas, an agent's tunnel lands on one of them (the hub's aggregator picks
// any), and a user's request on any. A replica without the cluster's tunnel finds the replica
// that holds it by asking the others, and forwards the request, authorized and with its
// impersonation set, to that replica's peer endpoint: a listener of its own, mutually
// authenticated (PeerTLS: each replica presents a client certificate of the peer CA and
// accepts only those). The holder checks the impersonation again and sends the request
// through its tunnel; it never forwards further, so there are no loops. Nothing is written
// to the hub: the answer is cached briefly and forgotten when the holder fails.

// peerPrefix is the root of the peer endpoint's paths.
const peerPrefix = "/peer/clusters/"

// holderTTL is how long a replica remembers which peer holds a cluster's tunnel.
const holderTTL = 10 * time.Second

// PeerTLS is the TLS of the peer endpoint: only a client with a certificate of peerCAs.
func PeerTLS(getCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error), peerCAs *x509.CertPool) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		ClientAuth:     tls.RequireAndVerifyClientCert,
		ClientCAs:      peerCAs,
		GetCertificate: getCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}

// PeerHandler serves the peer endpoint: whether this replica holds a cluster's tunnel
// (GET .../NAME/attached: 200 or 404), the tunnels it holds (GET /peer/tunnels), and requests
// to send through it (.../NAME/proxy/...), whose impersonation access.Accept checks.
func PeerHandler(tunnels *tunnel.Registry, log logr.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() == peerTunnelsPath && r.Method == http.MethodGet {
			serveTunnels(w, r, tunnels)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), peerPrefix)
		name, sub, _ := strings.Cut(rest, "/")
		if !ok || len(validation.IsDNS1123Subdomain(name)) > 0 {
			forward.WriteStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "not a peer path")
			return
		}
		route, err := Tunnels{Registry: tunnels}.Connect(r.Context(), &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}})
		switch {
		case sub == "attached" && err == nil:
			w.WriteHeader(http.StatusOK)
			return
		case err != nil:
			forward.WriteStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, err.Error())
			return
		}
		path, ok := strings.CutPrefix(sub, "proxy")
		if !ok || (path != "" && !strings.HasPrefix(path, "/")) {
			forward.WriteStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "not a peer path")
			return
		}
		imp, err := access.Accept(r.Header)
		if err != nil {
			forward.WriteStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden, "the peer refuses the impersonation: "+err.Error())
			return
		}
		if path == "" {
			path = "/"
		}
		forward.Serve(w, r, path, forward.Target{Base: route.Base, Transport: route.Transport, Impersonation: imp, Log: log})
	})
}

// Peers finds which other replica holds a cluster's tunnel.
type Peers struct {
	// Others are the base URLs (https://HOST:PORT) of the other replicas' peer endpoints,
	// e.g. from the gateway Service's EndpointSlices.
	Others func() []string
	// Transport reaches them with this replica's peer client certificate, the peer CA pinned.
	Transport http.RoundTripper

	mu      sync.Mutex
	holders map[string]heldBy
}

type heldBy struct {
	peer  string
	until time.Time
}

// Connect is the route to cluster through the replica that holds its tunnel.
func (p *Peers) Connect(ctx context.Context, ic *v1alpha1.ImportedCluster) (Route, error) {
	peer, err := p.holder(ctx, ic.Name)
	if err != nil {
		return Route{}, err
	}
	base, err := url.Parse(peer + peerPrefix + ic.Name + "/proxy")
	if err != nil {
		return Route{}, err
	}
	return Route{Base: base, Transport: forgetOnFailure{p, ic.Name, p.Transport}}, nil
}

// holder is the peer holding cluster's tunnel: remembered, or found by asking every other
// replica at once.
func (p *Peers) holder(ctx context.Context, cluster string) (string, error) {
	p.mu.Lock()
	h, ok := p.holders[cluster]
	p.mu.Unlock()
	if ok && time.Now().Before(h.until) {
		return h.peer, nil
	}
	others := p.Others()
	found := make(chan string, len(others))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, peer := range others {
		go func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, peer+peerPrefix+cluster+"/attached", nil)
			if err != nil {
				found <- ""
				return
			}
			resp, err := p.Transport.RoundTrip(req)
			if err != nil {
				found <- ""
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				found <- peer
				return
			}
			found <- ""
		}()
	}
	for range others {
		if peer := <-found; peer != "" {
			p.mu.Lock()
			if p.holders == nil {
				p.holders = map[string]heldBy{}
			}
			p.holders[cluster] = heldBy{peer: peer, until: time.Now().Add(holderTTL)}
			p.mu.Unlock()
			return peer, nil
		}
	}
	return "", fmt.Errorf("%w: the agent of cluster %s has no tunnel to any of the %d gateway replicas (is it running, and can it reach the hub?)",
		ErrNotConnected, cluster, len(others)+1)
}

func (p *Peers) forget(cluster string) {
	p.mu.Lock()
	delete(p.holders, cluster)
	p.mu.Unlock()
}

// forgetOnFailure forgets the holder when it cannot be reached or no longer holds the tunnel.
type forgetOnFailure struct {
	p       *Peers
	cluster string
	rt      http.RoundTripper
}

func (f forgetOnFailure) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := f.rt.RoundTrip(r)
	if err != nil || resp.StatusCode == http.StatusNotFound {
		f.p.forget(f.cluster)
	}
	return resp, err
}
