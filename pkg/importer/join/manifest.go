package join

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// AgentManifest is what `join --dry-run -o yaml` prints: the downstream objects of the import
// for GitOps or air-gapped use, applied by other means and finished with `join --agent-applied`.
// They carry no ownerReferences (their UIDs exist only once applied); the tool that applies
// them owns them, so a disconnect deletes the agent ClusterRole and the member bindings, and
// the rest goes when it is removed from that tool. The namespace is listed only when absent,
// and the marker records that the import does not own it.
func AgentManifest(req importer.Request, namespaceExists bool) ([]*unstructured.Unstructured, error) {
	ns, cr, rest := agent.Objects(req.AgentRegistration())
	objs := []runtime.Object{cr}
	if !namespaceExists {
		objs = []runtime.Object{ns, cr}
	}
	for _, obj := range rest {
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == v1alpha1.MarkerConfigMap {
			cm.Data[v1alpha1.MarkerCreatedNamespace] = "false"
		}
		objs = append(objs, obj.(runtime.Object))
	}
	return importer.ToUnstructuredAll(objs)
}
