// Package hubserver builds the hub component: a controller-runtime manager running the
// ImportedCluster reconciler (with the inventory controller and the hub gateway), the
// admission webhook, or both, with health, metrics and (unless cert-manager does it) the
// webhook's and the gateway's certificate rotation.
// Deployed, they run apart (--disable-reconciler, --disable-webhook), each as its own
// ServiceAccount. cmd/webhook runs it, and so does every hub run in-process.
package hubserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/kubectl-import/kubectl-import/pkg/admission"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/inventory"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
)

// leaderElectionID names the Lease in kimport-system that elects the active reconciler.
const leaderElectionID = "kimport-webhook-leader"

// Run validates o, builds the manager and runs it until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	mgr, err := NewManager(ctx, cfg, o)
	if err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting", "webhook", !o.DisableWebhook, "gateway", o.gateway(),
		"certRotation", o.CertRotation && !o.DisableWebhook, "leaderElection", o.LeaderElect)
	return mgr.Start(ctx)
}

// NewManager builds the manager with the reconciler, health checks and (unless disabled) the
// admission webhook, which is served once its certificate is ready.
func NewManager(ctx context.Context, cfg *rest.Config, o Options) (manager.Manager, error) {
	metrics := metricsserver.Options{BindAddress: o.MetricsAddr, SecureServing: o.MetricsSecure, CertDir: o.MetricsCertDir}
	if o.MetricsSecure {
		// Scrapers authenticate with a token and need "get /metrics" RBAC on the hub.
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	cacheOptions := controller.CacheOptions()
	if o.gateway() {
		cacheOptions = gatewayCacheOptions(cacheOptions)
	}
	mopts := ctrl.Options{
		Scheme:                        scheme.Scheme,
		Cache:                         cacheOptions,
		Metrics:                       metrics,
		HealthProbeBindAddress:        o.ProbeAddr,
		PprofBindAddress:              o.PprofAddr,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       v1alpha1.HubNamespace,
		LeaderElectionReleaseOnCancel: true,
		Controller:                    config.Controller{SkipNameValidation: &o.SkipControllerNameValidation},
	}
	if !o.DisableWebhook {
		// HTTP/1.1 only: the API server then keeps a pool of connections and each review is
		// served on its connection's goroutine, where HTTP/2 hands every request between the
		// connection's reader, a handler goroutine and its frame writer (make bench: 286 µs of
		// CPU per admission against 343 µs, the median of five rounds each); and no HTTP/2
		// stream-reset flood can reach admission.
		mopts.WebhookServer = webhook.NewServer(webhook.Options{Host: o.WebhookHost, Port: o.WebhookPort, CertDir: o.CertDir,
			TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}})
	}
	cfg = rest.CopyConfig(cfg)
	if o.KubeAPIQPS > 0 {
		cfg.QPS, cfg.Burst = o.KubeAPIQPS, o.KubeAPIBurst
	}
	mgr, err := ctrl.NewManager(cfg, mopts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	var tunnels *liveness.Tunnels
	if o.gateway() {
		tunnels = liveness.NewTunnels(time.Now())
		o.Reconciler.Tunnels = tunnels
	}
	if !o.DisableReconciler {
		if err := controller.SetupWithManager(mgr, o.Reconciler); err != nil {
			return nil, fmt.Errorf("setting up the reconciler: %w", err)
		}
		if err := inventory.SetupWithManager(mgr, inventory.Options{Namespace: o.ClusterProfileNamespace}); err != nil {
			return nil, fmt.Errorf("setting up the inventory controller: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	ready := healthz.Ping
	if !o.DisableWebhook {
		if ready, err = setupWebhook(ctx, mgr, o); err != nil {
			return nil, err
		}
	}
	if err := mgr.AddReadyzCheck("ready", ready); err != nil {
		return nil, err
	}
	if o.gateway() {
		gatewayReady, err := setupGateway(mgr, o, tunnels)
		if err != nil {
			return nil, fmt.Errorf("setting up the gateway: %w", err)
		}
		if err := mgr.AddReadyzCheck("gateway", gatewayReady); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

// setupWebhook indexes the cache now and registers the validator once the certificate is in
// place; the returned check is ready only when the webhook server serves.
func setupWebhook(ctx context.Context, mgr manager.Manager, o Options) (healthz.Checker, error) {
	writers, err := statusWriters(ctx, mgr.GetConfig(), o)
	if err != nil {
		return nil, err
	}
	wh, err := admission.New(ctx, mgr, writers)
	if err != nil {
		return nil, err
	}
	certsReady := make(chan struct{})
	if o.CertRotation {
		if err := addCertRotation(mgr, o, webhookRotation(o), certsReady); err != nil {
			return nil, err
		}
	} else {
		close(certsReady)
	}
	var serving atomic.Bool
	err = mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		select {
		case <-certsReady:
		case <-ctx.Done():
			return nil
		}
		wh.Register(mgr.GetWebhookServer())
		serving.Store(true)
		<-ctx.Done()
		return nil
	}))
	if err != nil {
		return nil, err
	}
	return func(req *http.Request) error {
		if !serving.Load() {
			return errors.New("the webhook's serving certificate is not ready yet")
		}
		if !wh.Synced(req.Context()) {
			return errors.New("the ImportedCluster cache has not synced")
		}
		return mgr.GetWebhookServer().StartedChecker()(req)
	}, nil
}

// statusWriters are the users whose status writes the webhook admits: --status-writers and,
// when this process also runs the reconciler, its own identity. Deployed, the webhook runs
// alone and names the reconciler's ServiceAccount (deploy/base/deployment.yaml).
func statusWriters(ctx context.Context, cfg *rest.Config, o Options) ([]string, error) {
	writers := slices.Clone(o.StatusWriters)
	if !o.DisableReconciler {
		self, err := whoAmI(ctx, cfg)
		if err != nil {
			return nil, err
		}
		writers = append([]string{self}, writers...)
	}
	return writers, nil
}

// whoAmI is the user name the hub's API server gives cfg: the identity whose status writes
// the webhook admits.
func whoAmI(ctx context.Context, cfg *rest.Config) (string, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("asking the hub who this component is (SelfSubjectReview), to admit its status writes: %w", err)
	}
	if review.Status.UserInfo.Username == "" {
		return "", errors.New("the hub gave this component no user name (SelfSubjectReview): its status writes could not be told apart")
	}
	return review.Status.UserInfo.Username, nil
}
