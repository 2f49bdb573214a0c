package agent

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// The hub gateway reaches a downstream as the impersonator (v1alpha1.ImpersonatorServiceAccount),
// impersonating the caller as pkg/gateway/access decides. Its ClusterRole holds exactly the
// identities the gateway gives the cluster's members (ImpersonatorRules), always by name:
// never a system: group, never a ServiceAccount, never anyone who is not a member. The
// synchronisation keeps it in step with spec.members (with the agent's right to escalate that
// one ClusterRole, fenced to these shapes: policy.go); the agent (agent mode) or the hub
// (direct mode) mints its short-lived tokens (TokenRequest) with the agent's own
// credential, which never carries a user's request itself.

// ImpersonatorTokenLifetime is how long each impersonator token lives; it is renewed well
// before. The fence refuses longer ones (ImpersonatorMaxTokenLifetime).
const (
	ImpersonatorTokenLifetime    = 15 * time.Minute
	ImpersonatorMaxTokenLifetime = time.Hour
)

// userExtrasResource is the one user extra the impersonator may set: the caller's hub name.
const userExtrasResource = "userextras/" + gatewayapi.HubUserExtra

// ImpersonatorRules are the impersonator's rights for these members:
//   - impersonate users: each User member as gatewayapi.DownstreamUser names it, and
//     gatewayapi.GroupMemberUser when there are Group members;
//   - impersonate groups: the Group members;
//   - impersonate the user extra gatewayapi.HubUserExtra: with the User members' hub names, or
//     with any value when there are Group members (whose callers the downstream cannot list).
//
// Members validate.Subject refuses, and names the gateway reserves, are left out: the gateway
// never impersonates them. No members, no rules: a rule without resourceNames would mean
// every name.
func ImpersonatorRules(members []v1alpha1.Member) []rbacv1.PolicyRule {
	var users, hubUsers, groups []string
	for _, m := range members {
		if validate.Subject(m) != nil || gatewayapi.Reserved(m.Name) {
			continue
		}
		switch m.Kind {
		case v1alpha1.MemberUser:
			users = append(users, gatewayapi.DownstreamUser(m.Name))
			hubUsers = append(hubUsers, m.Name)
		case v1alpha1.MemberGroup:
			groups = append(groups, m.Name)
		}
	}
	if len(groups) > 0 {
		users = append(users, gatewayapi.GroupMemberUser)
	}
	if len(users) == 0 {
		return nil
	}
	rule := func(group, resource string, names []string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: []string{"impersonate"}, ResourceNames: names}
	}
	rules := []rbacv1.PolicyRule{rule("", "users", sortedSet(users))}
	extra := rule("authentication.k8s.io", userExtrasResource, sortedSet(hubUsers))
	if len(groups) > 0 {
		rules = append(rules, rule("", "groups", sortedSet(groups)))
		extra.ResourceNames = nil
	}
	return append(rules, extra)
}

// sortedSet is names sorted without repeats.
func sortedSet(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// impersonatorObjects are the impersonator's ServiceAccount, its ClusterRole and the binding
// between them. The ClusterRole carries no rules field at all (unstructured: a typed one
// would send "rules": null): the import applies it server-side at every run, and a rules
// field it sent would take back the rules the synchronisation set.
func impersonatorObjects(meta func(name, namespace string) metav1.ObjectMeta) []metav1.Object {
	name := v1alpha1.ImpersonatorClusterRole
	role := &unstructured.Unstructured{}
	role.SetGroupVersionKind(rbacv1.SchemeGroupVersion.WithKind("ClusterRole"))
	role.SetName(name)
	role.SetLabels(meta(name, "").Labels)
	return []metav1.Object{
		&corev1.ServiceAccount{ObjectMeta: meta(v1alpha1.ImpersonatorServiceAccount, v1alpha1.AgentNamespace)},
		role,
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta(name, ""),
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: v1alpha1.ImpersonatorServiceAccount, Namespace: v1alpha1.AgentNamespace}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}},
	}
}

// memberSubjects are the subjects of a member's binding: the member, and for a hub
// ServiceAccount also the name the gateway gives it (gatewayapi.DownstreamUser).
func memberSubjects(m v1alpha1.Member) []rbacv1.Subject {
	subjects := []rbacv1.Subject{{Kind: string(m.Kind), Name: m.Name, APIGroup: rbacv1.GroupName}}
	if u := gatewayapi.DownstreamUser(m.Name); m.Kind == v1alpha1.MemberUser && u != m.Name {
		subjects = append(subjects, rbacv1.Subject{Kind: rbacv1.UserKind, Name: u, APIGroup: rbacv1.GroupName})
	}
	return subjects
}
