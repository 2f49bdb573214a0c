package importer

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Placeholders stand, in a dry run, for what only exists once objects are applied.
const (
	TokenPlaceholder = "<agent token, read at apply time>"
	UIDPlaceholder   = "<set at apply time>"
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
		obj.GetOwnerReferences()[0].UID = types.UID(UIDPlaceholder)
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == agent.MarkerConfigMap {
			cm.Data[agent.CreatedNamespaceKey] = strconv.FormatBool(!namespaceExists)
		}
		objs = append(objs, obj.(runtime.Object))
	}
	ic := req.ImportedCluster()
	secret := req.CredentialsSecret("")
	delete(secret.Data, hubcreds.KeyToken)
	secret.StringData = map[string]string{hubcreds.KeyToken: TokenPlaceholder}
	secret.OwnerReferences = ownedByImportedCluster(req.Name, types.UID(UIDPlaceholder))
	objs = append(objs, ic, secret)

	return toUnstructuredAll(objs)
}

// AgentManifest is what `join --dry-run -o yaml` prints: the downstream objects of the import
// for GitOps or air-gapped use, applied by other means and finished with `join --agent-applied`.
// They carry no ownerReferences (their UIDs exist only once applied); the tool that applies
// them owns them, so a disconnect deletes the agent ClusterRole and the member bindings, and
// the rest goes when it is removed from that tool. The namespace is listed only when absent,
// and the marker records that the import does not own it.
func AgentManifest(req Request, namespaceExists bool) ([]*unstructured.Unstructured, error) {
	ns, cr, rest := agent.Objects(req.AgentRegistration())
	objs := []runtime.Object{cr}
	if !namespaceExists {
		objs = []runtime.Object{ns, cr}
	}
	for _, obj := range rest {
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == agent.MarkerConfigMap {
			cm.Data[agent.CreatedNamespaceKey] = "false"
		}
		objs = append(objs, obj.(runtime.Object))
	}
	return toUnstructuredAll(objs)
}

func toUnstructuredAll(objs []runtime.Object) ([]*unstructured.Unstructured, error) {
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
