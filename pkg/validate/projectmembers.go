package validate

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// projectGrant is what a project role makes its subject, in the project's namespaces.
func projectGrant(project string, role v1alpha1.ProjectRole) grant {
	what := map[v1alpha1.ProjectRole]string{
		v1alpha1.RoleProjectOwner:  "an admin (admin)",
		v1alpha1.RoleProjectMember: "an editor (edit)",
		v1alpha1.RoleReadOnly:      "a viewer (view)",
	}[role]
	if what == "" {
		what = "a member"
	}
	return grant{string(role), fmt.Sprintf("%s of every namespace of project %s", what, shown(project))}
}

// ProjectMember checks one member of project in spec: nil when the sync may bind it, else why
// not. Its subject follows the cluster members' rule (Subject); in System only cluster-owners
// may be project-owner or project-member, because rights in kube-system are rights over the
// whole cluster. The reconciler and the agent ask it before they bind a member; the webhook
// applies the same (Projects).
func ProjectMember(spec *v1alpha1.ImportedClusterSpec, project string, m v1alpha1.ProjectMember) error {
	if p := projectMemberProblem(spec, project, m); p != "" {
		return errors.New(p)
	}
	return nil
}

func projectMemberProblem(spec *v1alpha1.ImportedClusterSpec, project string, m v1alpha1.ProjectMember) string {
	if p := subjectProblemFor(m.Kind, m.Name, projectGrant(project, m.Role)); p != "" {
		return p
	}
	return systemProblem(spec, project, m)
}

// systemProblem refuses a System project-owner or project-member who is not a cluster-owner.
func systemProblem(spec *v1alpha1.ImportedClusterSpec, project string, m v1alpha1.ProjectMember) string {
	if project != v1alpha1.ProjectSystem || m.Role == v1alpha1.RoleReadOnly {
		return ""
	}
	for _, c := range spec.Members {
		if c.Kind == m.Kind && c.Name == m.Name && c.Role == v1alpha1.RoleOwner {
			return ""
		}
	}
	what := "edit"
	if m.Role == v1alpha1.RoleProjectOwner {
		what = "admin"
	}
	name := printable(shown(m.Name))
	return fmt.Sprintf("%s %s is not a cluster-owner: %s of System gives %s in kube-system, and rights in kube-system are cluster rights "+
		"(its ServiceAccounts' tokens, the control plane's configuration and its workloads let whoever edits there act as cluster-admin); "+
		"give %s read-only in System, or make it a cluster-owner first (kubectl import members CLUSTER --add %s:%s=%s)",
		m.Kind, name, m.Role, what, name, m.Kind, name, v1alpha1.RoleOwner)
}

// ProjectSubject checks the subject of a member of project (Subject's rule, worded for the
// project role): what the plugin can check without the record. The System rule needs the
// cluster members: the webhook applies it (ProjectMember).
func ProjectSubject(project string, m v1alpha1.ProjectMember) error {
	if p := subjectProblemFor(m.Kind, m.Name, projectGrant(project, m.Role)); p != "" {
		return errors.New(p)
	}
	return nil
}

// Subjects are the distinct subjects (kind and name, no role) given a role in the cluster
// spec describes, in order: its members, then the members of its projects, each only when the
// rules accept it (Subject, ProjectMember). They are whom the cluster's RBAC names, and so
// whom the hub gateway may act as there.
func Subjects(spec *v1alpha1.ImportedClusterSpec) []v1alpha1.Member {
	var out []v1alpha1.Member
	add := func(s v1alpha1.Member) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, m := range spec.Members {
		if Subject(m) == nil {
			add(v1alpha1.Member{Kind: m.Kind, Name: m.Name})
		}
	}
	for _, p := range spec.Projects {
		for _, m := range p.Members {
			if ProjectMember(spec, p.Name, m) == nil {
				add(m.Subject())
			}
		}
	}
	return out
}
