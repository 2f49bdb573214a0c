package clustersync

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
	"github.com/kubectl-import/kubectl-import/pkg/status"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// syncProjects places the present namespaces in their projects (status.projects), labels
// them, and keeps one RoleBinding per project member and namespace, recording the outcome in
// the ProjectsAssigned condition. A project member the rules refuse (stored while the
// webhook was down) gets no binding, and the condition names it.
func syncProjects(ctx context.Context, ds Downstream, ic *v1alpha1.ImportedCluster, projects *inspect.ProjectIndex, present map[string]inspect.Namespace) {
	var refused []string
	accept := func(p v1alpha1.ProjectSpec, m v1alpha1.ProjectMember) bool {
		err := validate.ProjectMember(&ic.Spec, p.Name, m)
		if err != nil {
			refused = append(refused, fmt.Sprintf("project %s member %s %q is not bound: %v", p.Name, m.Kind, shortName(m.Name), err))
		}
		return err == nil
	}
	a := projects.Assign(present, accept)
	// Each refused member is reported once, not once per namespace.
	refused = uniq(refused)
	ic.Status.Projects = a.Projects
	fail := func(err error) {
		status.SetCondition(ic, v1alpha1.ConditionProjectsAssigned, metav1.ConditionFalse, v1alpha1.ReasonFailed, err.Error())
	}
	if err := assignProjects(ctx, ds.Client, a); err != nil {
		fail(withRightsRemedy(err, ic.Name))
		return
	}
	if err := applyProjectBindings(ctx, ds.Client, ic.Name, a.Bindings); err != nil {
		fail(withRightsRemedy(err, ic.Name))
		return
	}
	if err := refusedProjectMembers(refused, ic.Name); err != nil {
		fail(err)
		return
	}
	msg := fmt.Sprintf("namespaces labelled %s; %d project RoleBinding(s)", v1alpha1.ProjectLabel, len(a.Bindings))
	if a.IgnoredNamespaces > 0 {
		msg += fmt.Sprintf("; %d namespace(s) labelled for a project beyond the %d a project holds are not covered", a.IgnoredNamespaces, inspect.MaxProjectNamespaces)
	}
	if a.Unreported > 0 {
		msg += fmt.Sprintf("; status lists %d namespaces at most, %d more are covered", inspect.MaxReportedNamespaces, a.Unreported)
	}
	if a.IgnoredBindings > 0 {
		msg += fmt.Sprintf("; %d RoleBinding(s) beyond the %d a cluster may have are not made (namespaces that joined by their label count too): "+
			"give roles to groups, or fewer namespaces", a.IgnoredBindings, v1alpha1.MaxProjectBindings)
	}
	status.SetCondition(ic, v1alpha1.ConditionProjectsAssigned, metav1.ConditionTrue, v1alpha1.ReasonAssigned, msg)
}

// uniq is s without repeats, in first-seen order.
func uniq(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
