// Package agentrun is kimport-agent: the controller that runs inside a downstream cluster in
// agent mode. It dials out to the hub as its own hub ServiceAccount, renews a heartbeat Lease
// there, runs the shared synchronisation (pkg/clustersync) against its own cluster and
// reports status to its ImportedCluster, and holds the cluster's tunnel to the hub gateway,
// forwarding the gateway's requests as the impersonator (pkg/gateway/agentlink); on deletion it cleans the downstream, reports it
// and removes itself. The hub needs no route to the downstream and holds no credential of it.
package agentrun

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
)

// Options of kimport-agent.
type Options struct {
	// Kubeconfig of the downstream; the in-cluster configuration when empty.
	Kubeconfig string
	// HubKubeconfig, for development, reaches the hub with a kubeconfig instead of the
	// downstream Secret kimport-agent-hub; the cluster is then the one its token's
	// ServiceAccount is the agent of.
	HubKubeconfig string
	// ClusterName is ignored: the cluster's name reaches the agent by one channel, its hub
	// Secret (or its hub identity). Deployments of earlier imports still pass --cluster-name.
	ClusterName string
	// CAChecksum pins the hub's CA (sha256:<hex> of its public key), as `join` does.
	CAChecksum   string
	SyncInterval time.Duration
	// ProbeTimeout bounds one probe of the downstream and each write.
	ProbeTimeout     time.Duration
	TokenLifetime    time.Duration
	TokenRenewBefore time.Duration
	LeaderElect      bool
	ProbeAddr        string
	MetricsAddr      string
	// SkipControllerNameValidation lets one process run several agents: controller-runtime
	// otherwise refuses a controller name already used in the process.
	SkipControllerNameValidation bool
}

// Defaults.
const (
	DefaultSyncInterval = 30 * time.Second
	DefaultProbeTimeout = 10 * time.Second
)

// DefaultOptions are the in-cluster defaults.
func DefaultOptions() Options {
	return Options{
		SyncInterval:  DefaultSyncInterval,
		ProbeTimeout:  DefaultProbeTimeout,
		TokenLifetime: agent.HubTokenLifetime,
		ProbeAddr:     ":8081",
		MetricsAddr:   "0",
	}
}

// BindFlags binds every option.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig of the downstream cluster; in-cluster configuration when empty")
	fs.StringVar(&o.HubKubeconfig, "hub-kubeconfig", o.HubKubeconfig, "development: reach the hub with this kubeconfig instead of the Secret "+v1alpha1.AgentNamespace+"/"+v1alpha1.AgentHubSecret+
		" (its token, of serviceaccount "+v1alpha1.HubNamespace+"/"+v1alpha1.AgentName("<cluster>")+", names the cluster)")
	fs.StringVar(&o.ClusterName, "cluster-name", o.ClusterName, "deprecated and ignored: the cluster's name comes from the Secret "+v1alpha1.AgentHubSecret+" (key "+v1alpha1.AgentHubKeyCluster+")")
	fs.StringVar(&o.CAChecksum, "ca-checksum", o.CAChecksum, "pin the hub CA: sha256:<hex> of its public key, as printed by 'kubectl import create'")
	fs.DurationVar(&o.SyncInterval, "sync-interval", o.SyncInterval, "how often the downstream is observed and its status reported (spec changes are applied at once)")
	fs.DurationVar(&o.ProbeTimeout, "probe-timeout", o.ProbeTimeout, "bound of one probe of the downstream, and of its writes")
	fs.DurationVar(&o.TokenLifetime, "token-lifetime", o.TokenLifetime, "lifetime of each hub token the agent requests for itself (10m to 1h)")
	fs.DurationVar(&o.TokenRenewBefore, "token-renew-before", o.TokenRenewBefore, "renew the hub token once less than this of its life is left (default: half the lifetime)")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "elect one active replica (Lease "+v1alpha1.AgentLeaderElection+" in "+v1alpha1.AgentNamespace+" of the downstream)")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "address of /healthz and /readyz")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "address of /metrics; 0 disables it")
}

// Validate names each wrong flag and its fix.
func (o *Options) Validate() error {
	var errs []error
	if o.CAChecksum != "" {
		if _, err := hubca.ParseChecksum(o.CAChecksum); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--sync-interval", o.SyncInterval}, {"--probe-timeout", o.ProbeTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", d.flag, d.v))
		}
	}
	if o.TokenLifetime < 10*time.Minute || o.TokenLifetime > agent.MaxTokenLifetime {
		errs = append(errs, fmt.Errorf("--token-lifetime must be between 10m (the shortest token the API server issues) and %s (the longest the hub grants an agent), got %s",
			agent.MaxTokenLifetime, o.TokenLifetime))
	}
	if o.TokenRenewBefore < 0 || (o.TokenRenewBefore != 0 && o.TokenRenewBefore >= o.TokenLifetime) {
		errs = append(errs, fmt.Errorf("--token-renew-before (%s) must be shorter than --token-lifetime (%s)", o.TokenRenewBefore, o.TokenLifetime))
	}
	return errors.Join(errs...)
}

func (o *Options) renewBefore() time.Duration {
	if o.TokenRenewBefore > 0 {
		return o.TokenRenewBefore
	}
	return o.TokenLifetime / 2
}
