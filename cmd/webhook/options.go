package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// options are the command's flags.
type options struct {
	kubeconfig     string
	metricsAddr    string
	metricsSecure  bool
	metricsCertDir string
	probeAddr      string
	leaderElect    bool
	webhookPort    int
	certDir        string
	disableWebhook bool
	printVersion   bool
	reconciler     controller.Options
}

func newOptions() *options {
	return &options{
		metricsAddr:   ":8443",
		metricsSecure: true,
		probeAddr:     ":8081",
		webhookPort:   9443,
		reconciler: controller.Options{
			ProbeInterval:  controller.DefaultProbeInterval,
			ProbeTimeout:   controller.DefaultProbeTimeout,
			CleanupTimeout: controller.DefaultCleanupTimeout,
		},
	}
}

func (o *options) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the hub; in-cluster configuration when empty")
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", o.metricsAddr, "address of the metrics endpoint; \"0\" disables it")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", o.metricsSecure, "serve metrics over HTTPS, authenticated and authorized by the hub API server (false only for local development)")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "", "directory holding tls.crt and tls.key of the metrics endpoint (a self-signed certificate generated at start when empty)")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", o.probeAddr, "address of /healthz and /readyz")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "elect one active reconciler through a Lease in kimport-system (run with several replicas)")
	fs.DurationVar(&o.reconciler.ProbeInterval, "probe-interval", o.reconciler.ProbeInterval, "how often each downstream cluster is probed")
	fs.DurationVar(&o.reconciler.ProbeTimeout, "probe-timeout", o.reconciler.ProbeTimeout, "bound of one probe of a downstream cluster")
	fs.DurationVar(&o.reconciler.CleanupTimeout, "cleanup-timeout", o.reconciler.CleanupTimeout, "how long after deletion the downstream cleanup is tried before it is given up")
	fs.IntVar(&o.webhookPort, "webhook-port", o.webhookPort, "port of the admission webhook server")
	fs.StringVar(&o.certDir, "cert-dir", "", "directory holding tls.crt and tls.key of the webhook server (controller-runtime's default when empty)")
	fs.BoolVar(&o.disableWebhook, "disable-webhook", false, "run only the reconciler, without the admission webhook server")
	fs.BoolVar(&o.printVersion, "version", false, "print the version and exit")
}

func (o *options) validate() error {
	var errs []error
	if o.reconciler.ProbeInterval <= 0 {
		errs = append(errs, fmt.Errorf("--probe-interval must be positive, got %s", o.reconciler.ProbeInterval))
	}
	if o.reconciler.ProbeTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--probe-timeout must be positive, got %s", o.reconciler.ProbeTimeout))
	}
	if o.reconciler.CleanupTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--cleanup-timeout must be positive, got %s", o.reconciler.CleanupTimeout))
	}
	if o.webhookPort < 1 || o.webhookPort > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port must be within 1-65535, got %d", o.webhookPort))
	}
	return errors.Join(errs...)
}

func versionString() string { return "kimport-webhook " + version.Version }
