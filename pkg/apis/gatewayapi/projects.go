package gatewayapi

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The kinds of the projects subresource's bodies.
const (
	ProjectChangeKind = "ProjectChange"
	ProjectsKind      = "Projects"
)

// ProjectChange is the body of a POST to .../clusters/NAME/projects/PROJECT: a change of the
// namespaces and members of one project, the only fields a project-owner may change through
// the gateway. It is decoded strictly: a body with any other field is refused whole.
// Removals apply before additions.
type ProjectChange struct {
	metav1.TypeMeta `json:",inline"`
	// AddNamespaces are put in the project (those it lists already are left as they are).
	AddNamespaces []v1alpha1.NamespaceName `json:"addNamespaces,omitempty"`
	// RemoveNamespaces are taken out of it; each must be listed.
	RemoveNamespaces []v1alpha1.NamespaceName `json:"removeNamespaces,omitempty"`
	// AddMembers are given their role in it (replacing the role of one already a member).
	AddMembers []v1alpha1.ProjectMember `json:"addMembers,omitempty"`
	// RemoveMembers are removed from it, by kind and name; each must be a member.
	RemoveMembers []MemberRef `json:"removeMembers,omitempty"`
}

// Empty says whether c changes nothing.
func (c ProjectChange) Empty() bool {
	return len(c.AddNamespaces)+len(c.RemoveNamespaces)+len(c.AddMembers)+len(c.RemoveMembers) == 0
}

// MemberRef names a user or group, without a role.
type MemberRef struct {
	Kind v1alpha1.MemberKind `json:"kind"`
	Name string              `json:"name"`
}

// Projects answers both GET .../clusters/NAME/projects and a ProjectChange: the projects of
// cluster NAME the caller may see (all of them for a member of the cluster, else those it is a
// member of), as the record's spec lists them and its status found them.
type Projects struct {
	metav1.TypeMeta `json:",inline"`
	// Cluster is the ImportedCluster's name.
	Cluster string `json:"cluster"`
	// ResourceVersion is the version of the record these were read from (or written to).
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Changed says, in the answer to a ProjectChange, whether the change changed the record
	// (false: the project was already so, nothing was written).
	Changed bool `json:"changed,omitempty"`
	// Spec are the projects' entries of spec.projects.
	Spec []v1alpha1.ProjectSpec `json:"spec"`
	// Status are the projects' entries of status.projects.
	Status []v1alpha1.Project `json:"status,omitempty"`
}
