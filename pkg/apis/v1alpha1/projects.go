package v1alpha1

import "strings"

// ProjectSpec is one project of a cluster: a set of downstream namespaces and the users and
// groups given a role in every one of them. A namespace belongs to one project at most.
type ProjectSpec struct {
	// Name is Default, System, or a DNS label (lowercase letters, digits and '-') other than
	// default and system. Downstream namespaces carry it, lowercased, in the label
	// kimport.dev/project.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^(Default|System|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$`
	Name string `json:"name"`

	// Namespaces are the downstream namespaces of the project, by name; a namespace that does
	// not exist yet is covered once it is created. Default and System also hold the
	// namespaces they always hold (default; cattle-system, ingress-nginx, kube-public and
	// kube-system), whichever are present. A namespace created with the label
	// kimport.dev/project=NAME joins the project too.
	// +kubebuilder:validation:MaxItems=512
	// +listType=set
	// +optional
	Namespaces []NamespaceName `json:"namespaces,omitempty"`

	// Members are the users and groups given a role in every namespace of the project.
	// +kubebuilder:validation:MaxItems=128
	// +listType=atomic
	// +optional
	Members []ProjectMember `json:"members,omitempty"`
}

// NamespaceName is the name of a downstream namespace: a DNS label.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=63
// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
type NamespaceName string

// ProjectRole is a role a project member may get.
// +kubebuilder:validation:Enum=project-owner;project-member;read-only
type ProjectRole string

const (
	// RoleProjectOwner maps to the downstream ClusterRole admin in each namespace.
	RoleProjectOwner ProjectRole = "project-owner"
	// RoleProjectMember maps to the downstream ClusterRole edit in each namespace.
	RoleProjectMember ProjectRole = "project-member"
	// RoleReadOnly maps to the downstream ClusterRole view in each namespace.
	RoleReadOnly ProjectRole = "read-only"
)

// ProjectRoles are the project roles, most rights first.
var ProjectRoles = []ProjectRole{RoleProjectOwner, RoleProjectMember, RoleReadOnly}

// ProjectMember gives one user or group a role in every namespace of a project.
type ProjectMember struct {
	Kind MemberKind `json:"kind"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string      `json:"name"`
	Role ProjectRole `json:"role"`
}

// Subject is the member as a cluster member of the same kind and name (its role aside): the
// subject rules are the same for both.
func (m ProjectMember) Subject() Member { return Member{Kind: m.Kind, Name: m.Name} }

// The two projects every cluster has, as Rancher names them.
const (
	ProjectDefault = "Default"
	ProjectSystem  = "System"
)

// BuiltinProjects are the namespaces Default and System always hold when present, in the
// order they are reported.
var BuiltinProjects = []struct {
	Name       string
	Namespaces []string
}{
	{ProjectDefault, []string{"default"}},
	{ProjectSystem, []string{"cattle-system", "ingress-nginx", "kube-public", "kube-system"}},
}

// BuiltinProjectOf is the built-in project that always holds namespace, or "".
func BuiltinProjectOf(namespace string) string {
	for _, p := range BuiltinProjects {
		for _, ns := range p.Namespaces {
			if ns == namespace {
				return p.Name
			}
		}
	}
	return ""
}

// ProjectLabelValue is the value of ProjectLabel on a project's namespaces: its name,
// lowercased.
func ProjectLabelValue(project string) string { return strings.ToLower(project) }

// ProjectChangeAnnotation records on an ImportedCluster the last change a project-owner made
// through the hub gateway (which writes it with the hub component's identity): JSON naming the
// hub user, the project, what changed and when.
const ProjectChangeAnnotation = "gateway.kimport.dev/last-project-change"

// Downstream names of projects.
const (
	// ProjectAssignedLabel marks a namespace the sync put in a project (ProjectLabel), so that
	// it removes the label again when the namespace leaves the project or the cluster is
	// disconnected; a namespace labelled by its creator carries no such mark and is left
	// as it is.
	ProjectAssignedLabel = "kimport.dev/project-assigned"
	// ProjectMemberLabel marks the RoleBindings of project members, so that removed ones can
	// be pruned.
	ProjectMemberLabel = "kimport.dev/project-member"
	// ProjectBindingPrefix starts the name of every project member RoleBinding.
	ProjectBindingPrefix = "kimport-project-"
)

// MaxProjectBindings bounds the RoleBindings the projects of one cluster may ask for (one per
// member and namespace). Every one is an object the sync reads and writes on each pass and
// that the downstream's API server consults when it authorizes a request in that namespace;
// a project of many namespaces with many members grows as their product, so that sharing
// rights through groups is cheaper than naming each person.
const MaxProjectBindings = 1000
