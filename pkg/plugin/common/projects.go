package common

import (
	"slices"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ProjectView is one project as the plugin shows it: what the hub found (status) and what the
// spec asks for.
type ProjectView struct {
	Name       string
	Namespaces []string
	// Pending are the namespaces the spec lists that status does not report (yet).
	Pending []string
	Members []v1alpha1.ProjectMember
}

// ProjectsOf merges the projects of ic's status and spec: status's order first, then the spec's
// projects status does not report yet.
func ProjectsOf(ic *v1alpha1.ImportedCluster) []ProjectView {
	var out []ProjectView
	index := map[string]int{}
	for _, p := range ic.Status.Projects {
		index[p.Name] = len(out)
		out = append(out, ProjectView{Name: p.Name, Namespaces: p.Namespaces})
	}
	for _, s := range ic.Spec.Projects {
		i, ok := index[s.Name]
		if !ok {
			index[s.Name] = len(out)
			i = len(out)
			out = append(out, ProjectView{Name: s.Name})
		}
		p := &out[i]
		p.Members = append(p.Members, s.Members...)
		for _, ns := range s.Namespaces {
			if !slices.Contains(p.Namespaces, string(ns)) && !slices.Contains(p.Pending, string(ns)) {
				p.Pending = append(p.Pending, string(ns))
			}
		}
	}
	return out
}
