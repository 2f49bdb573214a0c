package hubserver

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
)

// ServiceDNSName is the in-cluster name the API server calls the webhook by.
const ServiceDNSName = v1alpha1.WebhookComponent + "." + v1alpha1.HubNamespace + ".svc"

// Options configure the hub component.
type Options struct {
	// KubeAPIQPS and KubeAPIBurst bound the hub component's requests to the hub API server:
	// client-go's default (5/s, burst 10) makes a fleet of thousands wait minutes for status
	// writes.
	KubeAPIQPS     float32
	KubeAPIBurst   int
	MetricsAddr    string
	MetricsSecure  bool
	MetricsCertDir string
	ProbeAddr      string
	// PprofAddr serves Go's /debug/pprof there (off when empty): for profiling a hub under
	// load; profiles show request data, so never expose it beyond the pod.
	PprofAddr      string
	LeaderElect    bool
	WebhookHost    string
	WebhookPort    int
	CertDir        string
	DisableWebhook bool
	// DisableReconciler runs only the admission webhook.
	DisableReconciler bool
	// CertRotation bootstraps and rotates the webhook's CA and serving certificate (kept in
	// the Secret kimport-webhook-tls) and injects the CA into the ValidatingWebhookConfiguration.
	// Off when cert-manager (deploy/overlays/cert-manager) provides them.
	CertRotation bool
	// CertDNSNames are the serving certificate's names; the first is its common name.
	CertDNSNames []string
	// SyncCertFiles writes the certificate Secret into CertDir, as the kubelet's Secret volume
	// does in a cluster: for a webhook that runs as a local process.
	SyncCertFiles bool
	// ServerCertDuration, CertLookahead and CertCheckInterval tune rotation: a serving
	// certificate is replaced once it expires within CertLookahead.
	ServerCertDuration time.Duration
	CertLookahead      time.Duration
	CertCheckInterval  time.Duration
	Reconciler         controller.Options
	// StatusWriters may write the status subresource of ImportedClusters: the reconciler's
	// identity when it runs apart from the webhook (deployed:
	// system:serviceaccount:kimport-system:kimport-controller). A process that runs both adds
	// its own identity, which it learns at start (SelfSubjectReview).
	StatusWriters []string
	// ClusterProfileNamespace holds the ClusterProfile (multicluster.x-k8s.io) of each
	// ImportedCluster.
	ClusterProfileNamespace string
	// DisableGateway runs the reconciler without the hub gateway (which runs beside it
	// otherwise: pkg/gateway/server).
	DisableGateway bool
	// GatewayHost, GatewayPort: where the gateway's aggregated API listens (behind the
	// Service v1alpha1.GatewayComponent).
	GatewayHost string
	GatewayPort int
	// GatewayPeerPort is the peer endpoint's port (0: one replica, no peers).
	GatewayPeerPort int
	// GatewayCertDir holds the gateway's tls.crt, tls.key and ca.crt (the Secret
	// GatewayCertSecretName, mounted or, with SyncCertFiles, written there).
	GatewayCertDir string
	// GatewayCertRotation bootstraps and rotates the gateway's CA and certificate (one rotator
	// on every replica, as for the webhook) and injects the CA into the APIService.
	GatewayCertRotation bool
	// GatewayCertDNSNames are the gateway certificate's names; they must include
	// GatewayServiceDNSName, which the aggregator verifies (the first is the one peers verify).
	GatewayCertDNSNames []string
	// PodName is this replica's pod (deployed: $POD_NAME), left out of its peers.
	PodName string
	// SkipControllerNameValidation lets one process run several hubs: controller-runtime
	// otherwise refuses a controller name already used in the process.
	SkipControllerNameValidation bool
}

// DefaultOptions are the in-cluster defaults.
func DefaultOptions() Options {
	return Options{
		KubeAPIQPS:              50,
		KubeAPIBurst:            100,
		MetricsAddr:             ":8443",
		MetricsSecure:           true,
		ProbeAddr:               ":8081",
		WebhookPort:             9443,
		CertRotation:            true,
		CertDNSNames:            []string{ServiceDNSName},
		ServerCertDuration:      24 * time.Hour,
		CertLookahead:           6 * time.Hour,
		CertCheckInterval:       time.Hour,
		ClusterProfileNamespace: v1alpha1.ClusterProfileNamespace,
		GatewayPort:             9444,
		GatewayPeerPort:         9445,
		GatewayCertDir:          "/tmp/kimport-gateway/serving-certs",
		GatewayCertRotation:     true,
		GatewayCertDNSNames:     []string{GatewayServiceDNSName},
		Reconciler: controller.Options{
			ProbeInterval:  controller.DefaultProbeInterval,
			ProbeTimeout:   controller.DefaultProbeTimeout,
			CleanupTimeout: controller.DefaultCleanupTimeout,
			TokenLifetime:  agent.TokenLifetime,
		},
	}
}

// BindFlags binds every option to a flag.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.Func("kube-api-qps", fmt.Sprintf("requests per second to the hub API server (default %g)", o.KubeAPIQPS), func(v string) error {
		f, err := strconv.ParseFloat(v, 32)
		if err != nil || f <= 0 {
			return fmt.Errorf("want a positive number, got %q", v)
		}
		o.KubeAPIQPS = float32(f)
		return nil
	})
	fs.IntVar(&o.KubeAPIBurst, "kube-api-burst", o.KubeAPIBurst, "burst of requests to the hub API server")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "address of the metrics endpoint; \"0\" disables it")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", o.MetricsSecure, "serve metrics over HTTPS, authenticated and authorized by the hub API server (false only for local development)")
	fs.StringVar(&o.MetricsCertDir, "metrics-cert-dir", "", "directory holding tls.crt and tls.key of the metrics endpoint (a self-signed certificate generated at start when empty)")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "address of /healthz and /readyz")
	fs.StringVar(&o.PprofAddr, "pprof-bind-address", "", "address of Go's /debug/pprof (off when empty; profiles show request data: bind it to localhost)")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "elect one active reconciler through a Lease in kimport-system (run with several replicas)")
	fs.DurationVar(&o.Reconciler.ProbeInterval, "probe-interval", o.Reconciler.ProbeInterval, "how often each downstream cluster is probed")
	fs.DurationVar(&o.Reconciler.ProbeTimeout, "probe-timeout", o.Reconciler.ProbeTimeout, "bound of one probe of a downstream cluster")
	fs.DurationVar(&o.Reconciler.CleanupTimeout, "cleanup-timeout", o.Reconciler.CleanupTimeout, "how long after deletion the downstream cleanup is tried before it is given up")
	fs.DurationVar(&o.Reconciler.TokenLifetime, "agent-token-lifetime", o.Reconciler.TokenLifetime, "lifetime of each downstream agent token the reconciler requests (TokenRequest; at least 10m)")
	fs.DurationVar(&o.Reconciler.HeartbeatGrace, "agent-heartbeat-grace", o.Reconciler.HeartbeatGrace, "agent mode: a cluster whose agent has not renewed its heartbeat Lease for this long is Unavailable; the hub publishes it in each heartbeat Lease (leaseDurationSeconds, whole seconds, at least 3s) and agents renew every third of it (default 1m)")
	fs.StringVar(&o.ClusterProfileNamespace, "cluster-profile-namespace", o.ClusterProfileNamespace, "namespace of the ClusterProfile (multicluster.x-k8s.io, the Cluster Inventory API) published for each imported cluster; nothing is published while the hub has no ClusterProfile CRD")
	fs.DurationVar(&o.Reconciler.TokenRenewBefore, "agent-token-renew-before", o.Reconciler.TokenRenewBefore, "renew a stored agent token once less than this of its life is left (default: half the lifetime)")
	fs.StringVar(&o.WebhookHost, "webhook-host", "", "address the admission webhook server listens on (all when empty)")
	fs.IntVar(&o.WebhookPort, "webhook-port", o.WebhookPort, "port of the admission webhook server")
	fs.StringVar(&o.CertDir, "cert-dir", "", "directory holding tls.crt and tls.key of the webhook server (controller-runtime's default when empty)")
	fs.BoolVar(&o.DisableWebhook, "disable-webhook", false, "run only the reconciler and the inventory controller, without the admission webhook (deployed: the kimport-controller Deployment)")
	fs.BoolVar(&o.DisableReconciler, "disable-reconciler", false, "run only the admission webhook, without the reconciler (deployed: the kimport-webhook Deployment, with --status-writers)")
	fs.BoolVar(&o.CertRotation, "cert-rotation", o.CertRotation, "bootstrap and rotate the webhook's own CA and serving certificate and inject the CA bundle (false with cert-manager)")
	fs.Func("cert-dns-names", "comma-separated DNS names of the serving certificate (default "+ServiceDNSName+")", func(s string) error {
		o.CertDNSNames = strings.Split(s, ",")
		return nil
	})
	fs.Func("status-writers", "comma-separated user names that may write ImportedCluster status: the reconciler's, when it runs apart from the webhook (deployed: "+v1alpha1.ControllerUser+"); a process running both adds its own", func(s string) error {
		o.StatusWriters = append(o.StatusWriters, strings.Split(s, ",")...)
		return nil
	})
	fs.BoolVar(&o.SyncCertFiles, "sync-cert-files", false, "write the certificate Secrets into --cert-dir and --gateway-cert-dir (outside a cluster, where no kubelet mounts them)")
	fs.BoolVar(&o.DisableGateway, "disable-gateway", false, "run the reconciler without the hub gateway (the aggregated API "+gatewayapi.GroupVersion.String()+")")
	fs.StringVar(&o.GatewayHost, "gateway-host", "", "address the gateway listens on (all when empty)")
	fs.IntVar(&o.GatewayPort, "gateway-port", o.GatewayPort, "port of the gateway's aggregated API (the Service "+v1alpha1.GatewayComponent+" targets it)")
	fs.IntVar(&o.GatewayPeerPort, "gateway-peer-port", o.GatewayPeerPort, "port of the gateway's peer endpoint (mutual TLS between replicas); 0 with one replica")
	fs.StringVar(&o.GatewayCertDir, "gateway-cert-dir", o.GatewayCertDir, "directory holding the gateway's tls.crt, tls.key and ca.crt (the Secret "+GatewayCertSecretName+")")
	fs.BoolVar(&o.GatewayCertRotation, "gateway-cert-rotation", o.GatewayCertRotation, "bootstrap and rotate the gateway's own CA and certificate and inject the CA into the APIService (false with cert-manager)")
	fs.Func("gateway-cert-dns-names", "comma-separated DNS names of the gateway's certificate; must include "+GatewayServiceDNSName+" (default "+GatewayServiceDNSName+")", func(s string) error {
		o.GatewayCertDNSNames = strings.Split(s, ",")
		return nil
	})
	fs.StringVar(&o.PodName, "pod-name", os.Getenv("POD_NAME"), "this replica's pod, left out of the gateway's peers (default $POD_NAME)")
	fs.DurationVar(&o.ServerCertDuration, "cert-duration", o.ServerCertDuration, "validity of each serving certificate")
	fs.DurationVar(&o.CertLookahead, "cert-lookahead", o.CertLookahead, "renew a serving certificate once it expires within this")
	fs.DurationVar(&o.CertCheckInterval, "cert-check-interval", o.CertCheckInterval, "how often the certificate is checked for renewal")
}

// Validate names every bad flag.
func (o *Options) Validate() error {
	var errs []error
	positive := map[string]time.Duration{
		"--probe-interval": o.Reconciler.ProbeInterval, "--probe-timeout": o.Reconciler.ProbeTimeout,
		"--cleanup-timeout": o.Reconciler.CleanupTimeout,
	}
	for _, name := range []string{"--probe-interval", "--probe-timeout", "--cleanup-timeout"} {
		if positive[name] <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", name, positive[name]))
		}
	}
	if g := o.Reconciler.HeartbeatGrace; g != 0 && g < heartbeat.MinLease {
		errs = append(errs, fmt.Errorf("--agent-heartbeat-grace must be at least %s (agents renew every third of it, at most once a second), got %s", heartbeat.MinLease, g))
	}
	if o.Reconciler.TokenLifetime != 0 && o.Reconciler.TokenLifetime < 10*time.Minute {
		errs = append(errs, fmt.Errorf("--agent-token-lifetime must be at least 10m (the shortest token the API server issues), got %s", o.Reconciler.TokenLifetime))
	}
	if o.Reconciler.TokenRenewBefore != 0 && o.Reconciler.TokenLifetime != 0 && o.Reconciler.TokenRenewBefore >= o.Reconciler.TokenLifetime {
		errs = append(errs, fmt.Errorf("--agent-token-renew-before (%s) must be shorter than --agent-token-lifetime (%s)", o.Reconciler.TokenRenewBefore, o.Reconciler.TokenLifetime))
	}
	if errs2 := validation.IsDNS1123Label(o.ClusterProfileNamespace); len(errs2) > 0 {
		errs = append(errs, fmt.Errorf("--cluster-profile-namespace %q is not a namespace name: %s", o.ClusterProfileNamespace, errs2[0]))
	}
	if o.DisableWebhook && o.DisableReconciler {
		errs = append(errs, errors.New("--disable-webhook and --disable-reconciler leave nothing to run: drop one"))
	}
	if o.DisableReconciler && !o.DisableWebhook && len(o.StatusWriters) == 0 {
		errs = append(errs, errors.New("--disable-reconciler needs --status-writers naming the reconciler's user (deployed: "+v1alpha1.ControllerUser+"): else the webhook refuses every status write of the reconciler"))
	}
	if o.WebhookPort < 1 || o.WebhookPort > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port must be within 1-65535, got %d", o.WebhookPort))
	}
	webhookRotates := o.CertRotation && !o.DisableWebhook
	if webhookRotates {
		if o.CertDir == "" {
			errs = append(errs, errors.New("--cert-rotation needs --cert-dir: the directory the rotated certificate is read from"))
		}
		if len(o.CertDNSNames) == 0 || o.CertDNSNames[0] == "" {
			errs = append(errs, errors.New("--cert-dns-names must name at least one DNS name, e.g. "+ServiceDNSName))
		}
	}
	if o.gateway() {
		errs = append(errs, o.validateGateway()...)
	}
	if (webhookRotates || (o.gateway() && o.GatewayCertRotation)) && o.CertLookahead >= o.ServerCertDuration {
		errs = append(errs, fmt.Errorf("--cert-lookahead (%s) must be shorter than --cert-duration (%s)", o.CertLookahead, o.ServerCertDuration))
	}
	return errors.Join(errs...)
}

// gateway says whether the gateway runs: beside the reconciler, unless disabled.
func (o *Options) gateway() bool { return !o.DisableReconciler && !o.DisableGateway }

func (o *Options) validateGateway() []error {
	var errs []error
	for _, p := range []struct {
		flag string
		port int
		zero bool
	}{{"--gateway-port", o.GatewayPort, false}, {"--gateway-peer-port", o.GatewayPeerPort, true}} {
		if (p.port != 0 || !p.zero) && (p.port < 1 || p.port > 65535) {
			errs = append(errs, fmt.Errorf("%s must be within 1-65535, got %d", p.flag, p.port))
		}
	}
	if o.GatewayPort == o.GatewayPeerPort {
		errs = append(errs, fmt.Errorf("--gateway-port and --gateway-peer-port must differ, both are %d", o.GatewayPort))
	}
	if !o.DisableWebhook && (o.GatewayPort == o.WebhookPort || o.GatewayPeerPort == o.WebhookPort) {
		errs = append(errs, fmt.Errorf("the gateway's ports must differ from --webhook-port %d", o.WebhookPort))
	}
	if o.GatewayCertDir == "" {
		errs = append(errs, errors.New("--gateway-cert-dir must name the directory of the gateway's certificate"))
	}
	if !slices.Contains(o.GatewayCertDNSNames, GatewayServiceDNSName) || o.GatewayCertDNSNames[0] == "" {
		errs = append(errs, fmt.Errorf("--gateway-cert-dns-names must include %s: the hub's aggregator verifies that name, even when the gateway runs outside the cluster (e.g. %s,localhost)",
			GatewayServiceDNSName, GatewayServiceDNSName))
	}
	return errs
}
