package inspect

import (
	"slices"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Project names, as Rancher names them; LabelValue gives the namespace label's value.
const (
	ProjectDefault = "Default"
	ProjectSystem  = "System"
)

// LabelValue is the value of the v1alpha1.ProjectLabel label of a project's namespaces.
func LabelValue(project string) string { return strings.ToLower(project) }

// projectNamespaces are the candidate namespaces of each project, in the order they are
// reported; only those present in the cluster are assigned.
var projectNamespaces = []struct {
	name       string
	namespaces []string
}{
	{ProjectDefault, []string{"default"}},
	{ProjectSystem, []string{"cattle-system", "ingress-nginx", "kube-public", "kube-system"}},
}

// Projects returns the Default and System projects with the namespaces present, always both
// (a project may be empty), in that order.
func Projects(namespaces []string) []v1alpha1.Project {
	out := make([]v1alpha1.Project, 0, len(projectNamespaces))
	for _, p := range projectNamespaces {
		project := v1alpha1.Project{Name: p.name}
		for _, ns := range p.namespaces {
			if slices.Contains(namespaces, ns) {
				project.Namespaces = append(project.Namespaces, ns)
			}
		}
		out = append(out, project)
	}
	return out
}

// IsProjectNamespace says whether namespace may belong to a project: the only namespaces a
// probe keeps of a downstream's list.
func IsProjectNamespace(namespace string) bool {
	for _, p := range projectNamespaces {
		if slices.Contains(p.namespaces, namespace) {
			return true
		}
	}
	return false
}
