// Package server is the hub's end of the gateway: the aggregated API
// gateway.kimport.dev/v1alpha1 behind the hub API server. Users and consumers call
// .../clusters/NAME/proxy/... and reach cluster NAME as themselves: the gateway authorizes
// them (hub RBAC on clusters/proxy, and membership of NAME), cleans the request and forwards
// it with the impersonation pkg/gateway/access decides, through the cluster's agent tunnel
// (agent mode) or to its API server with the stored credential (direct mode). Agents call
// .../clusters/NAME/attach to open their tunnel.
package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// Options are what the gateway needs.
type Options struct {
	// Clusters reads ImportedClusters from an informer cache: membership is checked with no
	// API call per request.
	Clusters client.Reader
	// Records reads ImportedClusters from the hub (uncached) and updates them as the hub
	// component, for the projects subresource; nil refuses project changes.
	Records client.Client
	// Authenticator authenticates the hub's front proxy (NewFrontProxy).
	Authenticator authenticator.Request
	// FrontProxyHeaders are the front proxy's header names, never forwarded.
	FrontProxyHeaders func() []string
	// Authorizer asks the hub (NewAuthorizer).
	Authorizer authorizer.Authorizer
	// Tunnels holds the agents' tunnels.
	Tunnels *tunnel.Registry
	// Direct reaches direct-mode clusters; nil refuses them.
	Direct Connector
	// Peers finds the replica holding a tunnel this one does not hold; nil with one replica.
	Peers *Peers
	// Tunnel tunes the tunnels' keepalives.
	Tunnel tunnel.Config
	// Ready says whether the gateway can serve (its cache is synced); nil is always ready.
	Ready func() error
	Log   logr.Logger
}

// Gateway is the aggregated API's handler.
type Gateway struct{ o Options }

// New returns the gateway's handler.
func New(o Options) *Gateway {
	if o.FrontProxyHeaders == nil {
		o.FrontProxyHeaders = func() []string { return nil }
	}
	return &Gateway{o: o}
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	switch path {
	case "/healthz", "/livez":
		_, _ = w.Write([]byte("ok"))
		return
	case "/readyz":
		if g.o.Ready != nil {
			if err := g.o.Ready(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok"))
		return
	}
	resp, ok := authenticate(g.o.Authenticator, r)
	if !ok {
		forward.WriteStatus(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized,
			"the gateway serves requests through the hub API server only: send them to the hub's URL")
		return
	}
	if discovery(w, path) {
		return
	}
	req, err := gatewayapi.ParsePath(path)
	if err != nil {
		forward.WriteStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the hub gateway serves "+gatewayapi.PathPrefix+"/clusters/NAME/proxy/...: "+err.Error())
		return
	}
	verb, ok := verbs[r.Method]
	if !ok {
		forward.WriteStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "method "+r.Method+" is not supported")
		return
	}
	ctx := r.Context()
	if err := authorize(ctx, g.o.Authorizer, resp.User, verb, req.Cluster, req.Subresource); err != nil {
		g.refuse(w, err)
		return
	}
	if req.Subresource == gatewayapi.AttachSubresource {
		g.attach(w, r, req.Cluster, resp.User.GetName())
		return
	}
	caller := access.Caller{Name: resp.User.GetName(), Groups: resp.User.GetGroups()}
	if req.Subresource == gatewayapi.ProjectsSubresource {
		g.projects(w, r, req, caller)
		return
	}
	g.proxy(w, r, req, caller)
}

// proxy forwards a member's request to the cluster.
func (g *Gateway) proxy(w http.ResponseWriter, r *http.Request, req gatewayapi.Request, caller access.Caller) {
	ctx := r.Context()
	ic, err := g.cluster(ctx, req.Cluster)
	if err != nil {
		g.refuse(w, err)
		return
	}
	var members []v1alpha1.Member
	if ic != nil {
		// The cluster's members and its projects' members (the downstream's RBAC confines
		// the latter to their namespaces).
		members = validate.Subjects(&ic.Spec)
	}
	// A cluster that does not exist has no members: the answer is the non-member's, so
	// that it tells nobody which clusters exist.
	imp, err := access.Decide(req.Cluster, members, caller)
	if err != nil {
		g.refuse(w, err)
		return
	}
	route, err := g.connector(ic).Connect(ctx, ic)
	if err != nil {
		g.refuse(w, err)
		return
	}
	access.Scrub(r.Header, g.o.FrontProxyHeaders()...)
	forward.Serve(w, r, req.Rest, forward.Target{Base: route.Base, Transport: route.Transport, Impersonation: imp, Log: g.o.Log})
}

// attach opens the tunnel of cluster's agent, replacing the one it had.
func (g *Gateway) attach(w http.ResponseWriter, r *http.Request, cluster, username string) {
	if want := v1alpha1.AgentUsername(cluster); username != want {
		g.o.Log.Info("refused a tunnel", "cluster", cluster, "user", username)
		g.refuse(w, forbidden("only the agent of cluster "+cluster+" ("+want+") may attach its tunnel, not "+username))
		return
	}
	ic, err := g.cluster(r.Context(), cluster)
	switch {
	case err != nil:
		g.refuse(w, err)
		return
	case ic == nil || !ic.Spec.AgentMode():
		g.refuse(w, forbidden("cluster "+cluster+" is not an agent-mode cluster: no agent may attach to it"))
		return
	}
	s, err := tunnel.Accept(w, r, g.o.Tunnel)
	if err != nil {
		g.o.Log.Info("tunnel upgrade failed", "cluster", cluster, "error", err.Error())
		return
	}
	g.o.Tunnels.Attach(cluster, s)
	g.o.Log.Info("tunnel attached", "cluster", cluster)
}

// cluster reads the ImportedCluster from the cache; nil when there is none.
func (g *Gateway) cluster(ctx context.Context, name string) (*v1alpha1.ImportedCluster, error) {
	var ic v1alpha1.ImportedCluster
	if err := g.o.Clusters.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		if client.IgnoreNotFound(err) == nil {
			return nil, nil
		}
		return nil, err
	}
	return &ic, nil
}

func (g *Gateway) connector(ic *v1alpha1.ImportedCluster) Connector {
	if ic.Spec.AgentMode() {
		if g.o.Peers != nil {
			return localThenPeers{Tunnels{Registry: g.o.Tunnels}, g.o.Peers}
		}
		return Tunnels{Registry: g.o.Tunnels}
	}
	if g.o.Direct == nil {
		return refuseDirect{}
	}
	return g.o.Direct
}

// localThenPeers uses this replica's tunnel, else the replica that holds it.
type localThenPeers struct {
	local Tunnels
	peers *Peers
}

func (c localThenPeers) Connect(ctx context.Context, ic *v1alpha1.ImportedCluster) (Route, error) {
	if r, err := c.local.Connect(ctx, ic); err == nil {
		return r, nil
	}
	return c.peers.Connect(ctx, ic)
}

type refuseDirect struct{}

func (refuseDirect) Connect(_ context.Context, ic *v1alpha1.ImportedCluster) (Route, error) {
	return Route{}, errors.Join(ErrNotConnected, errors.New("this gateway does not reach direct-mode clusters such as "+ic.Name))
}

// refuse answers err: 403 for a refusal, 503 for a cluster not connected, 500 otherwise.
func (g *Gateway) refuse(w http.ResponseWriter, err error) {
	var r *access.Refusal
	var f forbidden
	switch {
	case errors.As(err, &r), errors.As(err, &f):
		forward.WriteStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden, err.Error())
	case errors.Is(err, ErrNotConnected):
		forward.WriteStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, err.Error())
	default:
		g.o.Log.Error(err, "gateway request failed")
		forward.WriteStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
	}
}
