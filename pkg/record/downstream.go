package record

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// DownstreamTimeout bounds each request a verb sends to a downstream.
const DownstreamTimeout = dsclient.PluginTimeout

// Local is the user's own client configuration of a downstream (the verb's --kubeconfig and
// --context); nil when the verb has none.
type Local func() (*rest.Config, error)

// Downstream returns a client configuration that reaches ic's downstream: in direct mode
// through the credentials the hub stores (the import agent's identity, CA pinned); in agent
// mode, where the hub holds none, through local, once the cluster it reaches proved to be
// this one (its kube-system UID is spec.clusterID). Each request is bounded by
// DownstreamTimeout and each answer by bodylimit.Plugin; set Timeout to 0 on a copy for
// streams such as `logs -f` (bodylimit.WithLimits lifts the limits of one request).
func Downstream(ctx context.Context, hub client.Client, ic *v1alpha1.ImportedCluster, local Local) (*rest.Config, error) {
	if ic.Spec.AgentMode() {
		return localConfig(ctx, ic, local)
	}
	var s corev1.Secret
	name := ic.Name
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(name)}
	switch err := hub.Get(ctx, key, &s); {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("importedcluster %q has no credentials yet (secret %s/%s not found): finish the import with 'kubectl import cluster %s' or 'kubectl import join'",
			name, key.Namespace, key.Name, name)
	case apierrors.IsForbidden(err):
		return nil, fmt.Errorf("reading the credentials of %q (secret %s/%s): %w: this verb reaches the downstream with the credentials the hub stores, so it needs 'get' on that Secret",
			name, key.Namespace, key.Name, err)
	case err != nil:
		return nil, fmt.Errorf("reading the credentials of %q: %w", name, err)
	}
	creds, err := hubcreds.FromSecret(&s, ic.Spec.APIServer)
	if err != nil {
		return nil, err
	}
	cfg := dsclient.FromCredentials(creds, dsclient.Plugin)
	return cfg, nil
}

// localConfig reaches an agent-mode cluster with the user's own kubeconfig, refusing one that
// reaches another cluster.
func localConfig(ctx context.Context, ic *v1alpha1.ImportedCluster, local Local) (*rest.Config, error) {
	how := fmt.Sprintf("importedcluster %q is in agent mode: the hub holds no credential of it, so this verb reads it with your own kubeconfig; pass --kubeconfig/--context of that cluster", ic.Name)
	if local == nil {
		return nil, errors.New(how)
	}
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
		return nil, fmt.Errorf("the kubeconfig reaches %s, whose cluster ID (kube-system UID) is %s, but importedcluster %q is cluster %s: pass --kubeconfig/--context of %s",
			cfg.Host, ks.UID, ic.Name, ic.Spec.ClusterID, ic.Name)
	}
	return cfg, nil
}
