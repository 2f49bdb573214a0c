package record

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
)

// DownstreamTimeout bounds each request a verb sends to a downstream.
const DownstreamTimeout = dsclient.PluginTimeout

// Local is the user's own client configuration of a downstream (the verb's --kubeconfig and
// --context); nil when the verb was given neither.
type Local func() (*rest.Config, error)

// Downstream returns a client configuration that reaches ic's downstream as the caller. By
// default, in either mode, through the hub's gateway (Gateway): the hub authenticates the
// caller with the credentials of hub, the gateway lets a member through, and the downstream
// sees that member, with the member's rights there, never a credential the hub stores. With
// local (an explicit --kubeconfig/--context) through the user's own kubeconfig instead, once
// the cluster it reaches proved to be this one (its kube-system UID is spec.clusterID).
//
// Each request is bounded by DownstreamTimeout and each answer by bodylimit.Plugin; set
// Timeout to 0 on a copy for streams such as `logs -f` (bodylimit.WithLimits lifts the limits
// of one request).
func Downstream(ctx context.Context, hub *rest.Config, ic *v1alpha1.ImportedCluster, local Local) (*rest.Config, error) {
	if local != nil {
		return localConfig(ctx, ic, local)
	}
	if ic.Spec.ClusterID == "" {
		return nil, fmt.Errorf("importedcluster %q has not joined yet (no spec.clusterID): complete it with 'kubectl import join', then retry", ic.Name)
	}
	if err := CheckGateway(ctx, hub); err != nil {
		return nil, fmt.Errorf("%w, or pass --kubeconfig/--context of %s itself", err, ic.Name)
	}
	return dsclient.Config(Gateway(hub, ic.Name), dsclient.Plugin), nil
}

// CheckGateway says, in words that name the fix, when the hub does not serve the gateway's
// API (gateway.kimport.dev/v1alpha1) or it is unavailable: otherwise every request through it
// would fail with a bare "not found".
func CheckGateway(ctx context.Context, hub *rest.Config) error {
	cs, err := kubernetes.NewForConfig(hub)
	if err != nil {
		return err
	}
	err = cs.Discovery().RESTClient().Get().AbsPath(gatewayapi.PathPrefix).Do(ctx).Error()
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("the hub at %s does not serve the gateway (%s): install the hub component with 'kubectl import init' (with --gateway-url when it runs outside the cluster)",
			hub.Host, gatewayapi.GroupVersion)
	case apierrors.IsServiceUnavailable(err):
		return fmt.Errorf("the hub's gateway (APIService %s) is unavailable: %v; check the hub component (kubectl -n %s get pods)",
			gatewayapi.APIServiceName, err, v1alpha1.HubNamespace)
	}
	return fmt.Errorf("asking the hub at %s for its gateway (%s): %w", hub.Host, gatewayapi.GroupVersion, err)
}

// Gateway is hub's client configuration (its credentials, CA, proxy) with the server moved to
// cluster's proxy in the hub gateway (gatewayapi.ProxyURL).
func Gateway(hub *rest.Config, cluster string) *rest.Config {
	cfg := rest.CopyConfig(hub)
	cfg.Host = gatewayapi.ProxyURL(hub.Host, cluster)
	return cfg
}

// localConfig reaches ic's downstream with the user's own kubeconfig, refusing one that
// reaches another cluster.
func localConfig(ctx context.Context, ic *v1alpha1.ImportedCluster, local Local) (*rest.Config, error) {
	how := fmt.Sprintf("--kubeconfig/--context read importedcluster %q with your own kubeconfig of it (leave both out to go through the hub's gateway)", ic.Name)
	cfg, err := local()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", how, err)
	}
	cfg = dsclient.Config(cfg, dsclient.Plugin)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	ks, err := cs.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s (reading namespace kube-system at %s: %w)", how, cfg.Host, err)
	}
	if string(ks.UID) != ic.Spec.ClusterID {
		return nil, fmt.Errorf("the kubeconfig reaches %s, whose cluster ID (kube-system UID) is %s, but importedcluster %q is cluster %s: pass --kubeconfig/--context of %s, or leave both out to go through the hub's gateway",
			cfg.Host, ks.UID, ic.Name, ic.Spec.ClusterID, ic.Name)
	}
	return cfg, nil
}
