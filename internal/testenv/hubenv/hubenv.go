// Package hubenv runs the hub component (pkg/hubserver) in-process against a test hub, the way
// it is deployed: the admission webhook and the reconciler as two components, each as its own
// ServiceAccount user with exactly the rights `kubectl import init` grants it. The hub's real
// API server calls the real webhook by URL over TLS, with the certificate the webhook
// bootstrapped and injected itself.
package hubenv

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/hubserver"
)

// The users of the two components (deploy/base/rbac.yaml).
const (
	// WebhookIdentity runs admission.
	WebhookIdentity = v1alpha1.WebhookUser
	// ControllerIdentity runs the reconciler and the inventory controller; it alone writes
	// status.
	ControllerIdentity = v1alpha1.ControllerUser
)

// GatewayCertDNSNames are the names of the certificate of a gateway running as a local process:
// the Service's, which the aggregator verifies, and localhost.
var GatewayCertDNSNames = []string{hubserver.GatewayServiceDNSName, "localhost"}

// serviceAccountGroups are the groups the API server gives a ServiceAccount of kimport-system.
var serviceAccountGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.HubNamespace}

// Server is the hub component: the webhook and, unless Options.DisableReconciler, the
// reconciler with the hub gateway, as the two Deployments run them.
type Server struct {
	// URL is what `kubectl import init --webhook-url` takes.
	URL string
	// GatewayURL is what `kubectl import init --gateway-url` takes: the reconciler's gateway,
	// served on the loopback address with a certificate for kimport-gateway.kimport-system.svc
	// and localhost (the hub's aggregator reaches it through an ExternalName Service).
	GatewayURL string
	// Options configure both components; Start runs the webhook alone (DisableReconciler, the
	// reconciler's user as the status writer) unless DisableWebhook, and the reconciler alone
	// (DisableWebhook) unless DisableReconciler.
	Options hubserver.Options
	// Config and Client act as the reconciler (ControllerIdentity): a test that plays the
	// reconciler writes status through them.
	Config *rest.Config
	Client client.Client
	// WebhookConfig acts as the webhook (WebhookIdentity).
	WebhookConfig *rest.Config

	controllerProbeAddr string
	hub                 *testenv.Cluster
	running             []*component
}

// component is one running manager.
type component struct {
	name    string
	cancel  context.CancelFunc
	stopped chan error
}

// New chooses ports and options; call Start after init has installed the webhook
// configuration (the CA is injected into it).
func New(t testing.TB, hub *testenv.Cluster) *Server {
	t.Helper()
	ctrl.SetLogger(logr.Discard())
	o := hubserver.DefaultOptions()
	o.MetricsAddr = "0"
	o.ProbeAddr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	o.WebhookHost = "127.0.0.1"
	o.WebhookPort = FreePort(t)
	o.CertDir = t.TempDir()
	o.SyncCertFiles = true
	o.CertDNSNames = []string{"localhost"}
	o.SkipControllerNameValidation = true
	o.Reconciler = controller.Options{ProbeInterval: time.Second, ProbeTimeout: 3 * time.Second, CleanupTimeout: 20 * time.Second}
	o.GatewayHost = "127.0.0.1"
	o.GatewayPort, o.GatewayPeerPort = FreePort(t), FreePort(t)
	o.GatewayCertDir = t.TempDir()
	o.GatewayCertDNSNames = GatewayCertDNSNames
	cfg, _ := hub.AddUser(t, ControllerIdentity, serviceAccountGroups)
	webhookCfg, _ := hub.AddUser(t, WebhookIdentity, serviceAccountGroups)
	c, err := client.New(cfg, client.Options{Scheme: hub.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return &Server{URL: fmt.Sprintf("https://localhost:%d", o.WebhookPort), GatewayURL: fmt.Sprintf("https://localhost:%d", o.GatewayPort), Options: o, Config: cfg, Client: c, WebhookConfig: webhookCfg,
		controllerProbeAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), hub: hub}
}

// Start runs the components until Stop or the end of the test, and waits until each is ready:
// the certificate exists, the CA is injected and the webhook serves; the reconciler's caches
// synced.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { s.Stop(t) })
	if !s.Options.DisableWebhook {
		webhook := s.Options
		webhook.DisableReconciler = true
		webhook.StatusWriters = append(slices.Clone(webhook.StatusWriters), ControllerIdentity)
		s.start(t, "webhook", s.WebhookConfig, webhook)
	}
	if s.Options.DisableReconciler {
		return
	}
	reconciler := s.Options
	reconciler.DisableWebhook = true
	reconciler.ProbeAddr = s.controllerProbeAddr
	s.start(t, "reconciler", s.Config, reconciler)
}

func (s *Server) start(t testing.TB, name string, cfg *rest.Config, o hubserver.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &component{name: name, cancel: cancel, stopped: make(chan error, 1)}
	s.running = append(s.running, c)
	go func() { c.stopped <- hubserver.Run(ctx, cfg, o) }()
	waitReady(t, "hub component ("+name+")", o.ProbeAddr, 60*time.Second, func(d time.Duration) (bool, error) {
		select {
		case err := <-c.stopped:
			c.cancel = nil // it is gone: Stop must not wait for it again
			return true, err
		case <-time.After(d):
			return false, nil
		}
	})
}

// Stop stops the components, the reconciler first (idempotent): ImportedCluster writes then
// fail closed.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	for i := len(s.running) - 1; i >= 0; i-- {
		c := s.running[i]
		if c.cancel == nil {
			continue
		}
		c.cancel()
		if err := <-c.stopped; err != nil {
			t.Errorf("hub component (%s): %v", c.name, err)
		}
	}
	s.running = nil
}

// FreePort asks the kernel for a free port on the loopback address.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
