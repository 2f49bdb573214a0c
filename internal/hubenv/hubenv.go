// Package hubenv runs the hub component (pkg/hubserver: reconciler and admission webhook)
// in-process against a test hub, the way a developer runs it outside the cluster: the hub's
// real API server calls the real webhook by URL over TLS, with the certificate the webhook
// bootstrapped and injected itself.
package hubenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/hubserver"
	"github.com/kubectl-import/kubectl-import/pkg/testenv"
)

// Identity is the hub component's ServiceAccount user name (deploy/base/rbac.yaml); the
// server runs as it, with exactly the rights `kubectl import init` grants it.
const Identity = "system:serviceaccount:" + v1alpha1.HubNamespace + ":kimport-webhook"

// Server is one hub component process-equivalent.
type Server struct {
	// URL is what `kubectl import init --webhook-url` takes.
	URL     string
	Options hubserver.Options
	// Config and Client act as the hub component (Identity): a test that plays the
	// reconciler writes status through them.
	Config *rest.Config
	Client client.Client

	hub     *testenv.Cluster
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
	cfg, _ := hub.AddUser(t, Identity, []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.HubNamespace})
	c, err := client.New(cfg, client.Options{Scheme: hub.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return &Server{URL: fmt.Sprintf("https://localhost:%d", o.WebhookPort), Options: o, Config: cfg, Client: c, hub: hub}
}

// Start runs the server until Stop or the end of the test, and waits until it is ready: the
// certificate exists, the CA is injected and the webhook serves.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.stopped = cancel, make(chan error, 1)
	go func() { s.stopped <- hubserver.Run(ctx, s.Config, s.Options) }()
	t.Cleanup(func() { s.Stop(t) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + s.Options.ProbeAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-s.stopped:
			s.cancel() // it is gone: Stop must not wait for it again
			s.cancel = nil
			t.Fatalf("hub component exited: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub component not ready after 60s (last: %v)", err)
		}
	}
}

// Stop stops the server (idempotent): ImportedCluster writes then fail closed.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	if err := <-s.stopped; err != nil {
		t.Errorf("hub component: %v", err)
	}
	s.cancel = nil
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
