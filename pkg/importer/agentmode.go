package importer

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/hubdiscovery"
)

// AgentOptions shape the agent an agent-mode import installs in the downstream.
type AgentOptions struct {
	Image       string
	Env         []corev1.EnvVar
	Tolerations []corev1.Toleration
	Replicas    int32
}

// HubPin is the hub as an agent must reach it: its URL, its CA (PEM) and the CA's checksum.
type HubPin struct {
	Server   string
	CAData   []byte
	Checksum string
}

// HubPinOf reads the hub's URL and CA from the hub connection's kubeconfig. The agent sends
// its token only over verified TLS: a hub URL that is not https is refused here, before
// anything is written (the agent refuses it too).
func HubPinOf(hub *Cluster) (HubPin, error) {
	if err := agent.ValidateHubServer(hub.Config.Host); err != nil {
		return HubPin{}, fmt.Errorf("agent mode: the hub kubeconfig's server: %w; use a kubeconfig that reaches the hub over https", err)
	}
	ca, err := hubdiscovery.FromConfig(hub.Config)
	if err != nil {
		return HubPin{}, fmt.Errorf("agent mode: the agent pins the hub's CA: %w", err)
	}
	return HubPin{Server: hub.Config.Host, CAData: hubca.EncodePEM(ca), Checksum: hubca.Checksum(ca)}, nil
}

// ApplyAgentIdentity creates, in the hub, the agent's own ServiceAccount with its
// least-privilege RBAC, its heartbeat Lease, the bootstrap Secret and the session Secret, and
// returns the bootstrap Secret's UID: a bootstrap token is bound to it (IssueBootstrapToken);
// the agent exchanges that token once for its own and deletes the Secret, which ends it. The
// agent's ClusterRole is owned by the ImportedCluster and owns the rest, so that deleting the
// ClusterRole (the hub does for a direct-mode cluster) removes the whole identity.
func ApplyAgentIdentity(ctx context.Context, hub client.Client, ic *v1alpha1.ImportedCluster, out io.Writer) (types.UID, error) {
	objs := agent.HubIdentity(ic.Name)
	root := objs[0].(*rbacv1.ClusterRole)
	root.SetOwnerReferences(OwnedByImportedCluster(ic.Name, ic.UID))
	applied, err := Apply(ctx, hub, root, out)
	if err != nil {
		return "", err
	}
	root.UID = applied.GetUID()
	var bootstrap types.UID
	for _, obj := range objs[1:] {
		agent.OwnedBy(obj, root)
		applied, err := Apply(ctx, hub, obj, out)
		if err != nil {
			return "", err
		}
		if s, ok := obj.(*corev1.Secret); ok && s.Name == v1alpha1.AgentBootstrapName(ic.Name) {
			bootstrap = applied.GetUID()
		}
	}
	return bootstrap, nil
}

// IssueBootstrapToken asks the hub for a bootstrap token of the agent of cluster, bound to
// its bootstrap Secret (secretUID): as the importing user (cluster) or as the join token
// (join, whose RBAC allows exactly this). The token is never printed.
func IssueBootstrapToken(ctx context.Context, hub client.Client, cluster string, secretUID types.UID, out io.Writer) (string, error) {
	sa := &corev1.ServiceAccount{}
	sa.Namespace, sa.Name = v1alpha1.HubNamespace, v1alpha1.AgentName(cluster)
	tr := agent.BootstrapTokenRequest(cluster, agent.BootstrapLifetime, secretUID)
	if err := hub.SubResource("token").Create(ctx, sa, tr); err != nil {
		return "", fmt.Errorf("requesting a bootstrap token for serviceaccount %s/%s in the hub (TokenRequest): %w", sa.Namespace, sa.Name, err)
	}
	fmt.Fprintf(out, "serviceaccount/%s bootstrap token issued (-n %s, expires %s; the agent exchanges it once for its own)\n",
		sa.Name, sa.Namespace, tr.Status.ExpirationTimestamp.UTC().Format(time.RFC3339))
	return tr.Status.Token, nil
}

// InstallAgent writes the agent's hub credential (hub URL, pinned CA, bootstrap token) and
// its Deployment into the downstream, both owned by the agent ClusterRole so that the
// agent's last act on disconnect removes them.
func InstallAgent(ctx context.Context, ds client.Client, cluster string, pin HubPin, token string, o AgentOptions, out io.Writer) error {
	var cr rbacv1.ClusterRole
	if err := ds.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &cr); err != nil {
		return fmt.Errorf("reading ClusterRole %s (created by the step before): %w", v1alpha1.AgentClusterRole, err)
	}
	secret := agent.HubSecret(cluster, pin.Server, pin.CAData, pin.Checksum, token)
	agent.OwnedBy(secret, &cr)
	if _, err := Apply(ctx, ds, secret, out); err != nil {
		return err
	}
	deploy := agent.Deployment(agent.DeploymentOptions{Cluster: cluster, Image: o.Image, CAChecksum: pin.Checksum,
		Env: o.Env, Tolerations: o.Tolerations, Replicas: o.Replicas})
	agent.OwnedBy(deploy, &cr)
	_, err := Apply(ctx, ds, deploy, out)
	return err
}

// CheckAgentEnvSecrets refuses, before anything is written, an agent environment that
// references a Secret the downstream does not have in v1alpha1.AgentNamespace (the agent's pod would
// never start). Only the Secret's metadata is read (PartialObjectMetadata): never its values.
func CheckAgentEnvSecrets(ctx context.Context, ds client.Client, env []corev1.EnvVar) error {
	for _, e := range env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		meta := &metav1.PartialObjectMetadata{}
		meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		err := ds.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: ref.Name}, meta)
		switch {
		case apierrors.IsNotFound(err):
			return fmt.Errorf("--agent-env-from-secret %s: secret %s/%s not found in the downstream: create it first "+
				"(kubectl -n %s create secret generic %s --from-literal=%s=..., after 'kubectl create namespace %s' if it does not exist yet), then re-run",
				e.Name, v1alpha1.AgentNamespace, ref.Name, v1alpha1.AgentNamespace, ref.Name, ref.Key, v1alpha1.AgentNamespace)
		case err != nil:
			return fmt.Errorf("--agent-env-from-secret %s: checking that secret %s/%s exists in the downstream: %w", e.Name, v1alpha1.AgentNamespace, ref.Name, err)
		}
	}
	return nil
}
