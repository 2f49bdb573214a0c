// Package dsclient builds the one client configuration by which every part reaches a
// downstream cluster: the reconciler in direct mode and the gateway from the credentials the
// hub stores, the agent from inside its cluster, the plugin from stored credentials or the
// user's kubeconfig. A downstream's answers are untrusted input (a registration names
// whatever endpoint it likes): each is read under internal/bodylimit, and the CA the hub
// stores is pinned, with no insecure mode.
package dsclient

import (
	"time"

	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Reader is who reads a downstream, and so how.
type Reader struct {
	// UserAgent names the reader to the downstream; "" keeps the base configuration's.
	UserAgent string
	// Timeout bounds each request; 0 keeps the base configuration's (streams need none).
	Timeout time.Duration
	// Limits bound every answer.
	Limits bodylimit.Limits
}

// PluginTimeout bounds each request a plugin verb sends to a downstream.
const PluginTimeout = 30 * time.Second

// The readers of downstreams.
var (
	// Agent is kimport-agent inside its cluster: it shares the pod's memory limit with
	// everything else it does. The sync bounds each probe and write itself.
	Agent = Reader{UserAgent: v1alpha1.AgentComponent, Limits: bodylimit.InCluster}
	// Plugin is a verb that reads a downstream from the user's machine.
	Plugin = Reader{UserAgent: v1alpha1.UserAgent, Timeout: PluginTimeout, Limits: bodylimit.Plugin}
	// Import is the import itself (cluster, join, upgrader install) with the downstream's own
	// kubeconfig: its steps are bounded by the verb's --timeout, not each request.
	Import = Reader{Limits: bodylimit.Plugin}
)

// Reconciler is the hub's reconciler in direct mode, each request bounded by its probe timeout.
func Reconciler(timeout time.Duration) Reader {
	return Reader{UserAgent: v1alpha1.ReconcilerName, Timeout: timeout, Limits: bodylimit.InCluster}
}

// Gateway is the hub gateway's proxy to a direct-mode downstream: it streams each answer to
// its client, holding and decoding none (bodylimit.Proxied), with the client's user agent
// when it sent one (else userAgent).
func Gateway(userAgent string) Reader {
	return Reader{UserAgent: userAgent, Limits: bodylimit.Proxied}
}

// Config is a copy of base that reaches a downstream as r.
func Config(base *rest.Config, r Reader) *rest.Config {
	cfg := bodylimit.Config(base, r.Limits)
	if r.UserAgent != "" {
		cfg.UserAgent = r.UserAgent
	}
	if r.Timeout > 0 {
		cfg.Timeout = r.Timeout
	}
	return cfg
}

// FromCredentials reaches the downstream the hub stores credentials of, as the import agent
// with the CA pinned, as r.
func FromCredentials(c hubcreds.Credentials, r Reader) *rest.Config {
	return Config(credentialsConfig(c), r)
}

// ImpersonatorFromCredentials reaches the downstream the hub stores credentials of as the
// gateway's impersonator (Impersonator), with the CA pinned, as r.
func ImpersonatorFromCredentials(c hubcreds.Credentials, r Reader) (*rest.Config, error) {
	return Impersonator(credentialsConfig(c), r)
}

func credentialsConfig(c hubcreds.Credentials) *rest.Config {
	return &rest.Config{
		Host:            c.Server,
		BearerToken:     c.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAData},
		QPS:             50,
		Burst:           100,
	}
}
