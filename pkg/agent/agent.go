// Package agent describes what an import puts in the downstream cluster: the agent identity
// the hub uses, its least-privilege RBAC, the policy that fences it and the registration
// marker. The agent's credential is a short-lived token (TokenRequest), never a Secret.
// The plugin creates these objects; the reconciler uses and finally removes them.
package agent

import (
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Names of the downstream objects only this package uses; the shared ones are in
// pkg/apis/v1alpha1 (downstream.go).
const (
	// RoleName names the agent's Role in cattle-system and its binding.
	RoleName = "kimport-agent"
	// MemberBindingPrefix starts the name of every member ClusterRoleBinding.
	MemberBindingPrefix = "kimport-member-"
)

// DownstreamRoles are the ClusterRoles member roles map to; the agent may bind only these.
var DownstreamRoles = map[v1alpha1.MemberRole]string{
	v1alpha1.RoleOwner:  "cluster-admin",
	v1alpha1.RoleMember: "view",
}

// ClusterRules are the agent's cluster-wide rights. No wildcard anywhere: each verb, resource
// and group is named.
func ClusterRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}},
		// patch: project labels on namespaces.
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch", "patch"}},
		{NonResourceURLs: []string{"/version", "/readyz"}, Verbs: []string{"get"}},
		// Member bindings the agent creates and prunes.
		{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterrolebindings"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		// bind only the roles members may get, so the agent can grant nothing else.
		{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"},
			Verbs: []string{"bind"}, ResourceNames: []string{"cluster-admin", "view"}},
		// The gateway's impersonator: the sync keeps its ClusterRole in step with the members.
		// escalate, because it holds none of the impersonation it grants; the fence allows
		// only impersonation of member-like names (ImpersonatorRules).
		{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"},
			Verbs: []string{"get", "update", "escalate"}, ResourceNames: []string{v1alpha1.ImpersonatorClusterRole}},
		// Deleting its own ClusterRole is the agent's last act on disconnect: every other
		// import object is owned by it, so the garbage collector removes the rest.
		{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"},
			Verbs: []string{"get", "delete"}, ResourceNames: []string{v1alpha1.AgentClusterRole}},
		// The About API's two ClusterProperties (cleanup deletes them). RBAC cannot restrict a
		// create by name: the fence refuses every other name.
		{APIGroups: []string{v1alpha1.ClusterPropertyGVR.Group}, Resources: []string{v1alpha1.ClusterPropertyGVR.Resource},
			Verbs: []string{"get", "update", "delete"}, ResourceNames: v1alpha1.ClusterPropertyNames},
		{APIGroups: []string{v1alpha1.ClusterPropertyGVR.Group}, Resources: []string{v1alpha1.ClusterPropertyGVR.Resource}, Verbs: []string{"create"}},
	}
}

// NamespaceRules are the agent's rights inside cattle-system: the marker, and the
// system-upgrade-controller's Plans, ConfigMap, Deployment, pods and logs.
func NamespaceRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch"}},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{v1alpha1.PlanGVR.Group}, Resources: []string{"plans"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		// Its own short-lived token, renewed by the hub before it expires (TokenRequest), and
		// the gateway impersonator's (at most an hour: the fence).
		{APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"}, Verbs: []string{"create"},
			ResourceNames: []string{v1alpha1.AgentServiceAccount, v1alpha1.ImpersonatorServiceAccount}},
		// Agent mode: the agent renews the hub token in its hub Secret (the fence lets it
		// change data.token alone) ...
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "update", "patch"}, ResourceNames: []string{v1alpha1.AgentHubSecret}},
		// ... and its replicas elect a leader with a Lease. RBAC cannot restrict a create by
		// name: the fence refuses every other Lease.
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "update", "patch"}, ResourceNames: []string{v1alpha1.AgentLeaderElection}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		// Leader election records events.
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create"}},
	}
}

// TokenLifetime is how long an agent token lives; the hub renews it once half of that has
// passed. The hub holds no token that outlives a day of its own absence.
const TokenLifetime = 8 * time.Hour

// TokenRequest asks for an agent token living lifetime. It is bound to the ServiceAccount
// alone: deleting the agent (its ClusterRole owns the ServiceAccount) ends every token.
func TokenRequest(lifetime time.Duration) *authenticationv1.TokenRequest {
	seconds := int64(lifetime / time.Second)
	return &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}
}

// Registration is what the marker ConfigMap records.
type Registration struct {
	HubID       string // UID of the hub's kube-system namespace
	HubServer   string
	ClusterName string
	ClusterID   string
	// EtcdMembers is how many embedded-etcd members the import counted: the quorum limit of
	// the upgrade fence (UpgradeLimits).
	EtcdMembers int
}

// Objects returns the downstream objects in the order they must be created. Objects whose
// ownerReferences point at the agent ClusterRole get them from OwnedBy once its UID is known.
func Objects(reg Registration) (ns *corev1.Namespace, cr *rbacv1.ClusterRole, rest []metav1.Object) {
	labels := v1alpha1.ImportLabels(reg.ClusterName)
	meta := func(name, namespace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: copyMap(labels)}
	}
	ns = &corev1.Namespace{ObjectMeta: meta(v1alpha1.AgentNamespace, "")}
	cr = &rbacv1.ClusterRole{ObjectMeta: meta(v1alpha1.AgentClusterRole, ""), Rules: ClusterRules()}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: v1alpha1.AgentServiceAccount, Namespace: v1alpha1.AgentNamespace}}
	rest = []metav1.Object{
		&corev1.ServiceAccount{ObjectMeta: meta(v1alpha1.AgentServiceAccount, v1alpha1.AgentNamespace)},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta(v1alpha1.AgentClusterRole, ""), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: v1alpha1.AgentClusterRole}},
		&rbacv1.Role{ObjectMeta: meta(RoleName, v1alpha1.AgentNamespace), Rules: NamespaceRules()},
		&rbacv1.RoleBinding{ObjectMeta: meta(RoleName, v1alpha1.AgentNamespace), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: RoleName}},
		&corev1.ConfigMap{ObjectMeta: meta(v1alpha1.MarkerConfigMap, v1alpha1.AgentNamespace), Data: map[string]string{
			v1alpha1.MarkerHubID: reg.HubID, v1alpha1.MarkerHubServer: reg.HubServer,
			v1alpha1.MarkerClusterName: reg.ClusterName, v1alpha1.MarkerClusterID: reg.ClusterID,
		}},
	}
	rest = append(rest, impersonatorObjects(meta)...)
	// Last: the fence that narrows what the agent's RBAC allows (policy.go), and the upgrade
	// rules it holds for plans, after the etcd count they read (upgradefence.go).
	policy, binding := Policy(reg.ClusterName)
	rest = append(rest, UpgradeLimits(reg.ClusterName, reg.EtcdMembers), policy, binding)
	rest = append(rest, UpgradeFence(reg.ClusterName)...)
	return ns, cr, rest
}

// OwnedBy makes the agent ClusterRole the owner of obj, so that deleting the ClusterRole
// garbage-collects obj.
func OwnedBy(obj metav1.Object, cr *rbacv1.ClusterRole) {
	obj.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole",
		Name: cr.Name, UID: cr.UID,
	}})
}

// MemberBindingName is the ClusterRoleBinding name of one member: stable and unique per
// (kind, name, role), and a valid object name whatever characters the subject name has.
func MemberBindingName(m v1alpha1.Member) string {
	return MemberBindingPrefix + shortHash(string(m.Kind)+"\x00"+m.Name+"\x00"+string(m.Role))
}

// MemberBinding is the ClusterRoleBinding that gives one member its role.
func MemberBinding(cluster string, m v1alpha1.Member) *rbacv1.ClusterRoleBinding {
	labels := v1alpha1.ImportLabels(cluster)
	labels[v1alpha1.MemberLabel] = "true"
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: MemberBindingName(m), Labels: labels,
			Annotations: map[string]string{"kimport.dev/member": string(m.Kind) + ":" + m.Name + "=" + string(m.Role)}},
		Subjects: memberSubjects(m),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: DownstreamRoles[m.Role]},
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
