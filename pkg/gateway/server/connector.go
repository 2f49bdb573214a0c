package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Route is how requests reach one cluster's API server.
type Route struct {
	// Base is the URL request paths are appended to.
	Base *url.URL
	// Transport carries them and adds the impersonator's credential (in agent mode the
	// agent adds it, at the far end of the tunnel).
	Transport http.RoundTripper
}

// Connector finds the route to a cluster; the gateway does not care how it is connected.
type Connector interface {
	Connect(ctx context.Context, ic *v1alpha1.ImportedCluster) (Route, error)
}

// ErrNotConnected says a cluster cannot be reached now (answered with 503).
var ErrNotConnected = errors.New("not connected")

// Tunnels reaches agent-mode clusters through the tunnels their agents hold to this gateway.
type Tunnels struct{ Registry *tunnel.Registry }

// tunnelBase is the URL of requests through a tunnel: the tunnel is the connection, so the
// host is only a name.
var tunnelBase = &url.URL{Scheme: "http", Host: "agent.tunnel"}

// Connect is the cluster's tunnel, if its agent is connected here.
func (t Tunnels) Connect(_ context.Context, ic *v1alpha1.ImportedCluster) (Route, error) {
	rt, ok := t.Registry.RoundTripper(ic.Name)
	if !ok {
		return Route{}, fmt.Errorf("%w: the agent of cluster %s has no tunnel to the gateway (is it running, and can it reach the hub?)", ErrNotConnected, ic.Name)
	}
	return Route{Base: tunnelBase, Transport: rt}, nil
}

// Direct reaches direct-mode clusters at spec.apiServer as the gateway's impersonator, whose
// short-lived tokens it requests with the credential stored in their hub Secret (pkg/hubcreds:
// https only, CA pinned, the server must be spec.apiServer); that credential's own rights
// never carry a forwarded request (dsclient.Impersonator).
type Direct struct {
	// Secrets reads the credentials Secrets in kimport-system (an informer cache).
	Secrets client.Reader
	// UserAgent is sent when the client sent none.
	UserAgent string

	mu     sync.Mutex
	routes map[string]directRoute
}

type directRoute struct {
	version string // the Secret's resourceVersion and the server it was built for
	route   Route
}

// Connect builds (once per version of the Secret) a transport with the stored credential.
func (d *Direct) Connect(ctx context.Context, ic *v1alpha1.ImportedCluster) (Route, error) {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}
	if err := d.Secrets.Get(ctx, key, &s); err != nil {
		return Route{}, fmt.Errorf("%w: reading the credentials of direct-mode cluster %s: %v", ErrNotConnected, ic.Name, err)
	}
	version := s.ResourceVersion + " " + ic.Spec.APIServer
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.routes[ic.Name]; ok && r.version == version {
		return r.route, nil
	}
	creds, err := hubcreds.FromSecret(&s, ic.Spec.APIServer)
	if err != nil {
		return Route{}, fmt.Errorf("%w: %v", ErrNotConnected, err)
	}
	// As the impersonator, whose tokens the stored credential only requests; streamed
	// through, never held.
	cfg, err := dsclient.ImpersonatorFromCredentials(creds, dsclient.Gateway(d.UserAgent))
	if err != nil {
		return Route{}, err
	}
	base, err := url.Parse(creds.Server)
	if err != nil {
		return Route{}, err
	}
	rt, err := forward.Transport(cfg)
	if err != nil {
		return Route{}, err
	}
	if d.routes == nil {
		d.routes = map[string]directRoute{}
	}
	d.routes[ic.Name] = directRoute{version: version, route: Route{Base: base, Transport: rt}}
	return d.routes[ic.Name].route, nil
}
