package importer

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Placeholders stand, in a dry run, for what only exists once objects are applied.
const (
	TokenPlaceholder = "<agent token, read at apply time>"
	// BootstrapPlaceholder stands for the agent's bootstrap token (agent mode).
	BootstrapPlaceholder = "<bootstrap token of the agent's hub identity, issued at apply time>"
	UIDPlaceholder       = "<set at apply time>"
)

// DryRunObjects are the objects an import applies, in order: the identity claim (hub),
// the agent objects (downstream; the namespace only when it does not exist yet), the
// ImportedCluster and its credentials Secret (hub), whose token is a placeholder.
func DryRunObjects(req Request, namespaceExists bool) ([]*unstructured.Unstructured, error) {
	ns, cr, rest := agent.Objects(req.AgentRegistration())
	cr.UID = types.UID(UIDPlaceholder)
	objs := []runtime.Object{req.IdentityClaim()}
	if !namespaceExists {
		agent.OwnedBy(ns, cr)
		objs = append(objs, ns)
	}
	cr.UID = ""
	objs = append(objs, cr)
	for _, obj := range rest {
		agent.OwnedBy(obj, cr)
		refs := obj.GetOwnerReferences() // a copy for unstructured objects
		refs[0].UID = types.UID(UIDPlaceholder)
		obj.SetOwnerReferences(refs)
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == v1alpha1.MarkerConfigMap {
			cm.Data[v1alpha1.MarkerCreatedNamespace] = strconv.FormatBool(!namespaceExists)
		}
		objs = append(objs, obj.(runtime.Object))
	}
	ic := req.ImportedCluster()
	objs = append(objs, ic)
	if req.Mode == v1alpha1.ModeAgent {
		objs = append(objs, agentDryRunObjects(req, cr)...)
		return ToUnstructuredAll(objs)
	}
	secret := req.CredentialsSecret("")
	delete(secret.Data, hubcreds.KeyToken)
	secret.StringData = map[string]string{hubcreds.KeyToken: TokenPlaceholder}
	secret.OwnerReferences = OwnedByImportedCluster(req.Name, types.UID(UIDPlaceholder))
	objs = append(objs, secret)
	return ToUnstructuredAll(objs)
}

// agentDryRunObjects are what agent mode adds: the agent's hub identity (its ClusterRole
// owned by the ImportedCluster, the rest by that ClusterRole) and, in the downstream, its hub
// Secret (the bootstrap token a placeholder) and Deployment (owned by the agent ClusterRole).
func agentDryRunObjects(req Request, cr *rbacv1.ClusterRole) []runtime.Object {
	var objs []runtime.Object
	identity := agent.HubIdentity(req.Name)
	root := identity[0].(*rbacv1.ClusterRole)
	root.SetOwnerReferences(OwnedByImportedCluster(req.Name, types.UID(UIDPlaceholder)))
	objs = append(objs, root)
	for _, obj := range identity[1:] {
		agent.OwnedBy(obj, root)
		obj.GetOwnerReferences()[0].UID = types.UID(UIDPlaceholder)
		objs = append(objs, obj)
	}
	secret := agent.HubSecret(req.Name, req.Hub.Server, req.Hub.CAData, req.Hub.Checksum, "")
	delete(secret.Data, v1alpha1.AgentHubKeyToken)
	secret.StringData = map[string]string{v1alpha1.AgentHubKeyToken: BootstrapPlaceholder}
	deploy := agent.Deployment(agent.DeploymentOptions{Cluster: req.Name, Image: req.Agent.Image, CAChecksum: req.Hub.Checksum,
		Env: req.Agent.Env, Tolerations: req.Agent.Tolerations, Replicas: req.Agent.Replicas})
	for _, obj := range []metav1.Object{secret, deploy} {
		agent.OwnedBy(obj, cr)
		obj.GetOwnerReferences()[0].UID = types.UID(UIDPlaceholder)
		objs = append(objs, obj.(runtime.Object))
	}
	return objs
}

// ToUnstructuredAll is ToUnstructured of each object, in order.
func ToUnstructuredAll(objs []runtime.Object) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		u, err := ToUnstructured(obj)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
