package common

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// DownstreamTimeout bounds each request a verb sends to a downstream.
const DownstreamTimeout = dsclient.PluginTimeout

// NewLocalFlags are the kubectl flags --kubeconfig and --context alone: how a hub verb reaches
// the downstream of an agent-mode cluster, whose credentials the hub never holds.
func NewLocalFlags() *genericclioptions.ConfigFlags {
	return &genericclioptions.ConfigFlags{KubeConfig: ptr.To(""), Context: ptr.To("")}
}

// AddLocalFlags binds f, saying what they are for.
func AddLocalFlags(f *genericclioptions.ConfigFlags, fs *pflag.FlagSet) {
	fs.StringVar(f.KubeConfig, "kubeconfig", "", "agent mode: kubeconfig of the downstream itself (the hub holds no credential of it)")
	fs.StringVar(f.Context, "context", "", "agent mode: kubeconfig context of the downstream itself")
}

// DownstreamConfig reads the ImportedCluster name from the hub and returns it with a client
// configuration that reaches its downstream: in direct mode through the credentials the hub
// stores (the import agent's identity, CA pinned); in agent mode, where the hub holds none,
// through local (the user's own --kubeconfig/--context), once the cluster it reaches proved to
// be this one (its kube-system UID is spec.clusterID). Each request is bounded by
// DownstreamTimeout and each answer by bodylimit.Plugin; set Timeout to 0 on a copy for
// streams such as `logs -f` (bodylimit.WithLimits lifts the limits of one request).
func DownstreamConfig(ctx context.Context, hub client.Client, name string, local genericclioptions.RESTClientGetter) (*v1alpha1.ImportedCluster, *rest.Config, error) {
	ic, err := GetImportedCluster(ctx, hub, name)
	if err != nil {
		return nil, nil, err
	}
	if ic.Spec.AgentMode() {
		cfg, err := localConfig(ctx, ic, local)
		return ic, cfg, err
	}
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}
	switch err := hub.Get(ctx, key, &s); {
	case apierrors.IsNotFound(err):
		return nil, nil, fmt.Errorf("importedcluster %q has no credentials yet (secret %s/%s not found): finish the import with 'kubectl import cluster %s' or 'kubectl import join'",
			name, key.Namespace, key.Name, name)
	case apierrors.IsForbidden(err):
		return nil, nil, fmt.Errorf("reading the credentials of %q (secret %s/%s): %w: this verb reaches the downstream with the credentials the hub stores, so it needs 'get' on that Secret",
			name, key.Namespace, key.Name, err)
	case err != nil:
		return nil, nil, fmt.Errorf("reading the credentials of %q: %w", name, err)
	}
	creds, err := hubcreds.FromSecret(&s, ic.Spec.APIServer)
	if err != nil {
		return nil, nil, err
	}
	cfg := dsclient.FromCredentials(creds, dsclient.Plugin)
	return ic, cfg, nil
}

// localConfig reaches an agent-mode cluster with the user's own kubeconfig, refusing one that
// reaches another cluster.
func localConfig(ctx context.Context, ic *v1alpha1.ImportedCluster, local genericclioptions.RESTClientGetter) (*rest.Config, error) {
	how := fmt.Sprintf("importedcluster %q is in agent mode: the hub holds no credential of it, so this verb reads it with your own kubeconfig; pass --kubeconfig/--context of that cluster", ic.Name)
	if local == nil {
		return nil, errors.New(how)
	}
	cfg, err := local.ToRESTConfig()
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
