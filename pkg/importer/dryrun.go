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
