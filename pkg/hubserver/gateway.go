package hubserver

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/server"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
)

// The hub gateway (pkg/gateway/server) runs in the reconciler's process (the kimport-controller
// Deployment, apart from admission), on every replica: the hub API server reaches it through
// the APIService gatewayapi.APIServiceName and the Service v1alpha1.GatewayComponent, with the
// CA the gateway's certificate rotation injects there pinned. A replica that does not hold a
// cluster's tunnel asks the others, found in that Service's EndpointSlices, over their peer
// endpoint (mutual TLS with the same certificate, its CA pinned).

// Names of the gateway's objects (deploy/base/gateway.yaml).
const (
	GatewayCertSecretName = v1alpha1.GatewayComponent + "-tls"
	// GatewayServiceDNSName is the name the hub's aggregator verifies in the gateway's serving
	// certificate, even for an ExternalName Service (a gateway outside the cluster).
	GatewayServiceDNSName = v1alpha1.GatewayComponent + "." + v1alpha1.HubNamespace + ".svc"
	// GatewayPeerPortName names the peer endpoint's port in the Service and its EndpointSlices.
	GatewayPeerPortName = "peer"
	// gatewayCAFile is the CA of the gateway's certificates, which peers pin.
	gatewayCAFile = "ca.crt"
	// frontProxyWait is how long the gateway waits for the hub's front-proxy configuration
	// before it says so in its log (it keeps waiting, not ready).
	frontProxyWait = 30 * time.Second
)

// gatewayRotation is the gateway's certificate, its CA injected into the APIService. It is
// also each replica's client certificate towards its peers.
func gatewayRotation(o Options) rotation {
	return rotation{secret: GatewayCertSecretName, caName: "kimport-gateway-ca", fieldOwner: v1alpha1.GatewayComponent,
		controllerName: "gateway-cert-rotator", dir: o.GatewayCertDir, dnsNames: o.GatewayCertDNSNames,
		inject: rotator.WebhookInfo{Name: gatewayapi.APIServiceName, Type: rotator.APIService},
		usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		files:  []string{corev1.TLSPrivateKeyKey, corev1.TLSCertKey, gatewayCAFile}}
}

// gatewayCacheOptions adds what the gateway caches to the reconciler's: the gateway Service's
// EndpointSlices (its peers). ImportedClusters and the credentials Secrets are the reconciler's.
func gatewayCacheOptions(opts cache.Options) cache.Options {
	opts.ByObject[&discoveryv1.EndpointSlice{}] = cache.ByObject{
		Namespaces: map[string]cache.Config{v1alpha1.HubNamespace: {}},
		Label:      labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: v1alpha1.GatewayComponent}),
	}
	return opts
}

// setupGateway adds the gateway, and its certificate rotation unless cert-manager provides
// it, to mgr; the check is ready once it serves. tunnels records the agents' tunnels, this
// replica's and the others' (pkg/liveness).
func setupGateway(mgr manager.Manager, o Options, tunnels *liveness.Tunnels) (healthz.Checker, error) {
	certsReady := make(chan struct{})
	if o.GatewayCertRotation {
		if err := addCertRotation(mgr, o, gatewayRotation(o), certsReady); err != nil {
			return nil, err
		}
	} else {
		close(certsReady)
	}
	g := &gateway{mgr: mgr, o: o, certsReady: certsReady, tunnels: tunnels, log: ctrl.Log.WithName("gateway")}
	if err := mgr.Add(g); err != nil {
		return nil, err
	}
	return func(*http.Request) error {
		if !g.serving.Load() {
			return errors.New("the gateway does not serve yet (its certificate, the hub's front-proxy configuration or its caches)")
		}
		return nil
	}, nil
}

// gateway serves the aggregated API and the peer endpoint until the manager stops.
type gateway struct {
	mgr        manager.Manager
	o          Options
	certsReady chan struct{}
	tunnels    *liveness.Tunnels
	log        logr.Logger
	serving    atomic.Bool
}

// NeedLeaderElection is false: every replica serves.
func (g *gateway) NeedLeaderElection() bool { return false }

func (g *gateway) Start(ctx context.Context) error {
	api, err := net.Listen("tcp", net.JoinHostPort(g.o.GatewayHost, strconv.Itoa(g.o.GatewayPort)))
	if err != nil {
		return fmt.Errorf("the gateway's listener: %w", err)
	}
	var peer net.Listener
	if g.o.GatewayPeerPort > 0 {
		if peer, err = net.Listen("tcp", net.JoinHostPort(g.o.GatewayHost, strconv.Itoa(g.o.GatewayPeerPort))); err != nil {
			_ = api.Close()
			return fmt.Errorf("the gateway's peer listener: %w", err)
		}
	}
	stop := func(err error) error {
		_ = api.Close()
		if peer != nil {
			_ = peer.Close()
		}
		return err
	}
	select {
	case <-g.certsReady:
	case <-ctx.Done():
		return stop(nil)
	}
	certs, err := loadGatewayCerts(g.o.GatewayCertDir)
	if err != nil {
		return stop(err)
	}
	go func() { _ = certs.watcher.Start(ctx) }()
	handler, tunnels, err := g.handler(ctx, certs)
	if err != nil || handler == nil {
		return stop(err)
	}
	defer tunnels.Close()
	errs := make(chan error, 2)
	go func() { errs <- server.Serve(ctx, api, handler, server.APITLS(certs.watcher.GetCertificate), g.log) }()
	servers := 1
	if peer != nil {
		servers++
		go func() {
			errs <- server.Serve(ctx, peer, server.PeerHandler(tunnels, g.log), certs.peerServerTLS(), g.log)
		}()
	}
	g.serving.Store(true)
	g.tunnels.Serving(time.Now())
	g.log.Info("serving", "address", api.Addr().String(), "peers", peer != nil)
	var first error
	for range servers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// handler builds the gateway once the hub's front-proxy configuration is loaded and the caches
// synced; nil when ctx ended first.
func (g *gateway) handler(ctx context.Context, certs *gatewayCerts) (http.Handler, *tunnel.Registry, error) {
	cs, err := kubernetes.NewForConfig(g.mgr.GetConfig())
	if err != nil {
		return nil, nil, err
	}
	fp, err := server.NewFrontProxy(cs)
	if err != nil {
		return nil, nil, err
	}
	if err := fp.Start(ctx, frontProxyWait); err != nil {
		g.log.Error(err, "the gateway waits")
		if wait.PollUntilContextCancel(ctx, 5*time.Second, true, func(context.Context) (bool, error) { return fp.Loaded(), nil }) != nil {
			return nil, nil, nil
		}
	}
	authz, err := server.NewAuthorizer(cs)
	if err != nil {
		return nil, nil, err
	}
	c := g.mgr.GetCache()
	for _, obj := range []client.Object{&v1alpha1.ImportedCluster{}, &corev1.Secret{}, &discoveryv1.EndpointSlice{}} {
		if _, err := c.GetInformer(ctx, obj); err != nil {
			return nil, nil, fmt.Errorf("the gateway's cache of %T: %w", obj, err)
		}
	}
	if !c.WaitForCacheSync(ctx) {
		return nil, nil, nil
	}
	tunnels := tunnel.NewRegistry(recordTunnels(g.tunnels, g.log))
	var peers *server.Peers
	if g.o.GatewayPeerPort > 0 {
		peers = &server.Peers{Others: endpointPeers(c, g.o.PodName, g.log), Transport: certs.peerTransport(g.o.GatewayCertDNSNames[0])}
		go pollPeers(ctx, peers, g.tunnels, g.log)
	}
	records, err := client.New(g.mgr.GetConfig(), client.Options{Scheme: g.mgr.GetScheme()})
	if err != nil {
		return nil, nil, err
	}
	return server.New(server.Options{
		Clusters: c, Records: records, Authenticator: fp, FrontProxyHeaders: fp.Headers, Authorizer: authz, Tunnels: tunnels,
		Direct: &server.Direct{Secrets: c, UserAgent: v1alpha1.GatewayComponent}, Peers: peers, Log: g.log,
		Tunnel: tunnel.Config{KeepAlive: tunnelKeepAlive},
	}), tunnels, nil
}

// endpointPeers lists the other replicas' peer endpoints from the gateway Service's
// EndpointSlices in the cache; self is this replica's pod, left out.
func endpointPeers(c client.Reader, self string, log logr.Logger) func() []string {
	return func() []string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var list discoveryv1.EndpointSliceList
		if err := c.List(ctx, &list, client.InNamespace(v1alpha1.HubNamespace),
			client.MatchingLabels{discoveryv1.LabelServiceName: v1alpha1.GatewayComponent}); err != nil {
			log.Error(err, "listing the gateway's peers")
			return nil
		}
		return peerURLs(list.Items, self)
	}
}
