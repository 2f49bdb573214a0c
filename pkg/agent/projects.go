package agent

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ProjectRoles are the ClusterRoles project roles map to, bound in each namespace of the
// project by a RoleBinding; the agent may bind only these (and DownstreamRoles).
var ProjectRoles = map[v1alpha1.ProjectRole]string{
	v1alpha1.RoleProjectOwner:  "admin",
	v1alpha1.RoleProjectMember: "edit",
	v1alpha1.RoleReadOnly:      "view",
}

// BindableRoles are the ClusterRoles the agent may bind (RBAC verb bind), sorted: those of
// cluster members and of project members, and no other.
func BindableRoles() []string {
	var out []string
	for _, r := range DownstreamRoles {
		out = append(out, r)
	}
	for _, r := range ProjectRoles {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// ProjectBindingName is the RoleBinding name of one project member in a namespace: stable
// and unique per (project, kind, name, role), and a valid object name whatever characters
// the subject name has. The project is part of it, so a namespace that moves to another
// project loses the old project's bindings.
func ProjectBindingName(project string, m v1alpha1.ProjectMember) string {
	return v1alpha1.ProjectBindingPrefix + shortHash(project+"\x00"+string(m.Kind)+"\x00"+m.Name+"\x00"+string(m.Role))
}

// ProjectBindingLabels select the project member RoleBindings of one cluster.
func ProjectBindingLabels(cluster string) map[string]string {
	labels := v1alpha1.ImportLabels(cluster)
	labels[v1alpha1.ProjectMemberLabel] = "true"
	return labels
}

// ProjectBinding is the RoleBinding that gives one project member its role in namespace.
func ProjectBinding(cluster, project, namespace string, m v1alpha1.ProjectMember) *rbacv1.RoleBinding {
	labels := ProjectBindingLabels(cluster)
	labels[v1alpha1.ProjectLabel] = v1alpha1.ProjectLabelValue(project)
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ProjectBindingName(project, m), Namespace: namespace, Labels: labels,
			Annotations: map[string]string{v1alpha1.ProjectMemberLabel: project + "/" + string(m.Kind) + ":" + m.Name + "=" + string(m.Role)}},
		Subjects: memberSubjects(m.Kind, m.Name),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ProjectRoles[m.Role]},
	}
}
