package main

import (
	"context"
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// leaderElectionID names the Lease in kimport-system that elects the active reconciler.
const leaderElectionID = "kimport-webhook-leader"

func run(ctx context.Context, o *options) error {
	if err := o.validate(); err != nil {
		return err
	}
	cfg, err := restConfig(o.kubeconfig)
	if err != nil {
		return err
	}
	mgr, err := newManager(cfg, o)
	if err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting", "version", versionString(),
		"webhook", !o.disableWebhook, "leaderElection", o.leaderElect)
	return mgr.Start(ctx)
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("no --kubeconfig and not running in a cluster: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}

// newManager builds the manager with the reconciler, health checks and (unless disabled) the
// webhook server, on which the admission handlers are registered.
func newManager(cfg *rest.Config, o *options) (manager.Manager, error) {
	metrics := metricsserver.Options{BindAddress: o.metricsAddr, SecureServing: o.metricsSecure, CertDir: o.metricsCertDir}
	if o.metricsSecure {
		// Scrapers authenticate with a token and need "get /metrics" RBAC on the hub.
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mopts := ctrl.Options{
		Scheme:                        common.Scheme,
		Cache:                         controller.CacheOptions(),
		Metrics:                       metrics,
		HealthProbeBindAddress:        o.probeAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       v1alpha1.HubNamespace,
		LeaderElectionReleaseOnCancel: true,
	}
	if !o.disableWebhook {
		mopts.WebhookServer = webhook.NewServer(webhook.Options{Port: o.webhookPort, CertDir: o.certDir})
	}
	mgr, err := ctrl.NewManager(cfg, mopts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := controller.SetupWithManager(mgr, o.reconciler); err != nil {
		return nil, fmt.Errorf("setting up the reconciler: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	ready := healthz.Ping
	if !o.disableWebhook {
		// Ready once the webhook server serves: the API server may call it from then on.
		ready = mgr.GetWebhookServer().StartedChecker()
	}
	if err := mgr.AddReadyzCheck("ready", ready); err != nil {
		return nil, err
	}
	return mgr, nil
}
