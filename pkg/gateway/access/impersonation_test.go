package access

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

func user(name string) v1alpha1.Member {
	return v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: name, Role: v1alpha1.RoleMember}
}

func group(name string) v1alpha1.Member {
	return v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: name, Role: v1alpha1.RoleOwner}
}

func TestDecide(t *testing.T) {
	members := []v1alpha1.Member{
		user("alice"), user("system:serviceaccount:consumers:reader"), group("sre"), group("dev"),
		// stored while the webhook was down: never impersonated
		user("system:kube-controller-manager"), group("system:masters"), group("system:authenticated"),
		user("system:serviceaccount:cattle-system:kimport-agent"),
	}
	for _, tc := range []struct {
		name   string
		caller Caller
		want   Impersonation
		refuse string
	}{
		{name: "user member, no member group", caller: Caller{Name: "alice", Groups: []string{"system:authenticated", "oidc:admins"}},
			want: Impersonation{User: "alice", HubUser: "alice"}},
		{name: "user member with member groups, repeated", caller: Caller{Name: "alice", Groups: []string{"dev", "sre", "dev", "system:masters"}},
			want: Impersonation{User: "alice", Groups: []string{"dev", "sre"}, HubUser: "alice"}},
		{name: "member through a group only", caller: Caller{Name: "bob", Groups: []string{"system:authenticated", "sre"}},
			want: Impersonation{User: gatewayapi.GroupMemberUser, Groups: []string{"sre"}, HubUser: "bob"}},
		{name: "hub ServiceAccount member", caller: Caller{Name: "system:serviceaccount:consumers:reader",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:consumers", "system:authenticated"}},
			want: Impersonation{User: "kimport:hub:system:serviceaccount:consumers:reader", HubUser: "system:serviceaccount:consumers:reader"}},
		{name: "non-member", caller: Caller{Name: "carol", Groups: []string{"system:authenticated", "qa"}},
			refuse: "User carol is not a member of cluster prod or of one of its projects, nor is any of its groups: the members of a cluster and of its projects are who may reach it through the hub. " +
				"An owner of the cluster can add you: kubectl import members prod --add User:carol=cluster-member (or to a project: kubectl import projects prod members PROJECT --add User:carol=project-member)"},
		{name: "non-member with a name to quote", caller: Caller{Name: "Carol O'Neil"},
			refuse: `User "Carol O'Neil" is not a member of cluster prod or of one of its projects, nor is any of its groups: the members of a cluster and of its projects are who may reach it through the hub. ` +
				`An owner of the cluster can add you: kubectl import members prod --add 'User:Carol O'\''Neil=cluster-member' (or to a project: kubectl import projects prod members PROJECT --add 'User:Carol O'\''Neil=project-member')`},
		{name: "hub ServiceAccount that is not a member", caller: Caller{Name: "system:serviceaccount:default:default", Groups: []string{"system:serviceaccounts"}},
			refuse: "User system:serviceaccount:default:default is not a member of cluster prod"},
		{name: "system:masters is never a member group", caller: Caller{Name: "root", Groups: []string{"system:masters", "system:authenticated"}},
			refuse: "User root is not a member of cluster prod"},
		{name: "stored system: user member", caller: Caller{Name: "system:kube-controller-manager"},
			refuse: "cluster prod: member User system:kube-controller-manager cannot be reached through the gateway: User system:kube-controller-manager is a control-plane component"},
		{name: "stored import agent member", caller: Caller{Name: "system:serviceaccount:cattle-system:kimport-agent"},
			refuse: "cannot be reached through the gateway: User system:serviceaccount:cattle-system:kimport-agent is the import agent"},
		{name: "a caller posing as the group placeholder", caller: Caller{Name: gatewayapi.GroupMemberUser, Groups: []string{"sre"}},
			refuse: `user names starting with "kimport:" or "system:kimport:" are reserved`},
		{name: "a caller posing as a derived identity", caller: Caller{Name: "kimport:hub:system:serviceaccount:consumers:reader"},
			refuse: `user names starting with "kimport:" or "system:kimport:" are reserved`},
		{name: "no user", caller: Caller{Groups: []string{"sre"}}, refuse: "the request carries no user name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decide("prod", members, tc.caller)
			if tc.refuse != "" {
				var r *Refusal
				if !errors.As(err, &r) || !strings.Contains(r.Message, tc.refuse) {
					t.Fatalf("Decide = %+v, %v; want a refusal containing %q", got, err, tc.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.User != tc.want.User || !slices.Equal(got.Groups, tc.want.Groups) || got.HubUser != tc.want.HubUser {
				t.Errorf("Decide = %+v, want %+v", got, tc.want)
			}
			if err := Check(got); err != nil {
				t.Errorf("Check(%+v): %v", got, err)
			}
		})
	}
}

func TestGroupPlaceholderIsRefusedAsAMember(t *testing.T) {
	// If the group placeholder could be a member, binding it would give every group-only
	// member its role.
	_, err := Decide("prod", []v1alpha1.Member{user(gatewayapi.GroupMemberUser), group("sre")}, Caller{Name: "bob", Groups: []string{"sre"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decide("prod", []v1alpha1.Member{user(gatewayapi.GroupMemberUser)}, Caller{Name: gatewayapi.GroupMemberUser}); err == nil {
		t.Error("a caller named as the placeholder was accepted")
	}
	if err := validate.Subject(user(gatewayapi.GroupMemberUser)); err == nil {
		t.Errorf("the Members rule accepts %s as a member", gatewayapi.GroupMemberUser)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		imp  Impersonation
		want string
	}{
		{Impersonation{User: "alice", HubUser: "alice"}, ""},
		{Impersonation{User: gatewayapi.GroupMemberUser, Groups: []string{"sre"}, HubUser: "bob"}, ""},
		{Impersonation{User: "kimport:hub:system:serviceaccount:a:b", HubUser: "system:serviceaccount:a:b"}, ""},
		{Impersonation{HubUser: "x"}, "no user to impersonate"},
		{Impersonation{User: "system:serviceaccount:kube-system:default", HubUser: "x"}, "is a ServiceAccount"},
		{Impersonation{User: "system:admin", HubUser: "x"}, "is a system: user"},
		{Impersonation{User: gatewayapi.GroupMemberUser, HubUser: "x"}, "without a member group"},
		{Impersonation{User: "alice", Groups: []string{"system:masters"}, HubUser: "alice"}, "group system:masters is not one a member can be"},
		{Impersonation{User: "alice", Groups: []string{""}, HubUser: "alice"}, `group "" is not one`},
		{Impersonation{User: "alice"}, "no hub user"},
	} {
		err := Check(tc.imp)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%+v) = %v, want %q", tc.imp, err, tc.want)
		}
	}
}

// FuzzDecide: whatever the members and the caller, an impersonation is one Check accepts,
// names the caller or a derived identity, and carries only groups that are both the
// caller's and valid member groups.
func FuzzDecide(f *testing.F) {
	f.Add("alice", "sre,system:masters", "User:alice,Group:sre")
	f.Add("system:serviceaccount:a:b", "system:serviceaccounts", "User:system:serviceaccount:a:b")
	f.Add("bob", "dev", "Group:dev,Group:system:authenticated,User:system:admin")
	f.Fuzz(func(t *testing.T, name, groups, memberList string) {
		var members []v1alpha1.Member
		for _, m := range strings.Split(memberList, ",") {
			kind, n, _ := strings.Cut(m, ":")
			members = append(members, v1alpha1.Member{Kind: v1alpha1.MemberKind(kind), Name: n, Role: v1alpha1.RoleMember})
		}
		caller := Caller{Name: name, Groups: strings.Split(groups, ",")}
		imp, err := Decide("c", members, caller)
		if err != nil {
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Message, "c") {
				t.Fatalf("error %v is no refusal naming the cluster", err)
			}
			return
		}
		if err := Check(imp); err != nil {
			t.Fatalf("Decide(%+v, %+v) = %+v, which Check refuses: %v", members, caller, imp, err)
		}
		if imp.HubUser != name {
			t.Fatalf("hub user %q, caller %q", imp.HubUser, name)
		}
		if imp.User != name && imp.User != gatewayapi.HubServiceAccountPrefix+name && imp.User != gatewayapi.GroupMemberUser {
			t.Fatalf("impersonates %q for caller %q", imp.User, name)
		}
		for _, g := range imp.Groups {
			if !slices.Contains(caller.Groups, g) || !slices.Contains(members, v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: g, Role: v1alpha1.RoleMember}) {
				t.Fatalf("group %q is not both the caller's and a member", g)
			}
		}
	})
}
