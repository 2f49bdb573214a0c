package agent_test

import (
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
)

func impersonate(group, resource string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: []string{"impersonate"}, ResourceNames: names}
}

const extras = "userextras/" + gatewayapi.HubUserExtra

func TestImpersonatorRules(t *testing.T) {
	user := func(name string) v1alpha1.Member {
		return v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: name, Role: v1alpha1.RoleMember}
	}
	group := func(name string) v1alpha1.Member {
		return v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: name, Role: v1alpha1.RoleOwner}
	}
	for _, tc := range []struct {
		name    string
		members []v1alpha1.Member
		want    []rbacv1.PolicyRule
	}{
		{"no members: no rules (a rule without names would mean everyone)", nil, nil},
		{"users, sorted, once each", []v1alpha1.Member{user("bob"), user("alice"), {Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}},
			[]rbacv1.PolicyRule{impersonate("", "users", "alice", "bob"), impersonate("authentication.k8s.io", extras, "alice", "bob")}},
		{"a hub ServiceAccount under its gateway name, never as a ServiceAccount", []v1alpha1.Member{user("system:serviceaccount:ci:deployer")},
			[]rbacv1.PolicyRule{impersonate("", "users", "kimport:hub:system:serviceaccount:ci:deployer"),
				impersonate("authentication.k8s.io", extras, "system:serviceaccount:ci:deployer")}},
		{"groups: the placeholder user, the groups, any hub name", []v1alpha1.Member{group("sre"), user("alice"), group("dev")},
			[]rbacv1.PolicyRule{impersonate("", "users", "alice", gatewayapi.GroupMemberUser), impersonate("", "groups", "dev", "sre"),
				impersonate("authentication.k8s.io", extras)}},
		{"refused subjects and reserved names are left out", []v1alpha1.Member{group("system:masters"), user("system:admin"), user("kimport:hub:x"),
			group("system:authenticated"), user("  alice")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := agent.ImpersonatorRules(tc.members); !equality.Semantic.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Whatever the members, the impersonator may impersonate by name only, no system: group, no
// ServiceAccount, and every identity the gateway gives a member caller.
func FuzzImpersonatorRules(f *testing.F) {
	f.Add("alice", "sre", "system:serviceaccount:a:b", "caller")
	f.Add("system:masters", "system:authenticated", "system:serviceaccount:kube-system:default", "system:admin")
	f.Fuzz(func(t *testing.T, u, g, sa, caller string) {
		members := []v1alpha1.Member{
			{Kind: v1alpha1.MemberUser, Name: u, Role: v1alpha1.RoleMember},
			{Kind: v1alpha1.MemberGroup, Name: g, Role: v1alpha1.RoleMember},
			{Kind: v1alpha1.MemberUser, Name: sa, Role: v1alpha1.RoleOwner},
		}
		rules := agent.ImpersonatorRules(members)
		allowed := map[string][]string{}
		for _, r := range rules {
			if !slices.Equal(r.Verbs, []string{"impersonate"}) || len(r.Resources) != 1 || len(r.NonResourceURLs) != 0 {
				t.Fatalf("rule %+v", r)
			}
			res := r.Resources[0]
			if res != extras && len(r.ResourceNames) == 0 {
				t.Fatalf("rule %+v has no names", r)
			}
			for _, n := range r.ResourceNames {
				if res == "users" && strings.HasPrefix(n, "system:") && n != gatewayapi.GroupMemberUser || res == "groups" && strings.HasPrefix(n, "system:") {
					t.Fatalf("rule %+v names %q", r, n)
				}
			}
			allowed[res] = r.ResourceNames
		}
		imp, err := access.Decide("c", members, access.Caller{Name: caller, Groups: []string{g}})
		if err != nil {
			return
		}
		if !slices.Contains(allowed["users"], imp.User) {
			t.Fatalf("the gateway impersonates %q, which the impersonator may not (%v)", imp.User, allowed["users"])
		}
		for _, group := range imp.Groups {
			if !slices.Contains(allowed["groups"], group) {
				t.Fatalf("the gateway impersonates group %q, which the impersonator may not (%v)", group, allowed["groups"])
			}
		}
		if names, ok := allowed[extras]; !ok || len(names) > 0 && !slices.Contains(names, imp.HubUser) {
			t.Fatalf("the gateway sets hub user %q, which the impersonator may not (%v)", imp.HubUser, names)
		}
	})
}

func TestMemberBindingNamesTheGatewayUserOfAServiceAccount(t *testing.T) {
	b := agent.MemberBinding("edge", v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:ci:deployer", Role: v1alpha1.RoleMember})
	var names []string
	for _, s := range b.Subjects {
		names = append(names, s.Kind+":"+s.Name)
	}
	if want := []string{"User:system:serviceaccount:ci:deployer", "User:kimport:hub:system:serviceaccount:ci:deployer"}; !slices.Equal(names, want) {
		t.Errorf("subjects %v, want %v", names, want)
	}
	if b := agent.MemberBinding("edge", v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleMember}); len(b.Subjects) != 1 {
		t.Errorf("alice's binding has subjects %+v", b.Subjects)
	}
}
