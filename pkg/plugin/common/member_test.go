package common

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestParseMember(t *testing.T) {
	good := map[string]v1alpha1.Member{
		"User:alice=cluster-owner":          {Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner},
		"group:ops=cluster-member":          {Kind: v1alpha1.MemberGroup, Name: "ops", Role: v1alpha1.RoleMember},
		"USER:a@example.com=cluster-member": {Kind: v1alpha1.MemberUser, Name: "a@example.com", Role: v1alpha1.RoleMember},
		"User:system:serviceaccount:ns:sa=cluster-owner": {
			Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:ns:sa", Role: v1alpha1.RoleOwner},
		"User:a=b=cluster-owner": {Kind: v1alpha1.MemberUser, Name: "a=b", Role: v1alpha1.RoleOwner},
	}
	for in, want := range good {
		got, err := ParseMember(in)
		if err != nil || got != want {
			t.Errorf("ParseMember(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if in == "User:alice=cluster-owner" && FormatMember(got) != in {
			t.Errorf("FormatMember(%+v) = %q, want %q", got, FormatMember(got), in)
		}
	}
	bad := map[string]string{
		"alice":                    `"alice": missing =ROLE: want KIND:NAME=ROLE with ROLE one of cluster-owner, cluster-member`,
		"alice=cluster-owner":      `"alice=cluster-owner": missing KIND: want KIND:NAME=ROLE with KIND one of User, Group`,
		"Robot:r2=cluster-owner":   `"Robot:r2=cluster-owner": unknown kind "Robot", want one of User, Group`,
		"User:=cluster-owner":      `"User:=cluster-owner": empty NAME: want KIND:NAME=ROLE`,
		"User:alice=admin":         `"User:alice=admin": unknown role "admin", want one of cluster-owner, cluster-member`,
		"User:alice=Cluster-Owner": `"User:alice=Cluster-Owner": unknown role "Cluster-Owner", want one of cluster-owner, cluster-member`,
		"User:alice=":              `"User:alice=": unknown role "", want one of cluster-owner, cluster-member`,
		// The hub's subject rule (validate.Subject), in its words.
		"Group:system:authenticated=cluster-owner": `"Group:system:authenticated=cluster-owner": Group system:authenticated stands for every authenticated identity of the downstream: ` +
			`giving it cluster-owner makes everyone cluster-admin; name the users or groups that need access`,
		"group:system:serviceaccounts:ci=cluster-member": `"group:system:serviceaccounts:ci=cluster-member": Group system:serviceaccounts:ci stands for every ServiceAccount in namespace ci: ` +
			`giving it cluster-member makes every workload in ci a viewer of every namespace (view); name the ServiceAccount that needs access as User system:serviceaccount:ci:NAME`,
		"User:system:anonymous=cluster-member": `"User:system:anonymous=cluster-member": User system:anonymous is the identity of every request to the downstream without credentials: ` +
			`giving it cluster-member makes anyone, even without credentials, a viewer of every namespace (view); name a person, or one ServiceAccount as User system:serviceaccount:NAMESPACE:NAME`,
		"User: alice=cluster-owner": `"User: alice=cluster-owner": the name starts or ends with whitespace: names are compared exactly, so it matches no identity; remove the whitespace`,
	}
	for in, want := range bad {
		_, err := ParseMember(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseMember(%q) error = %v\nwant %s", in, err, want)
		}
	}
	long := "User:" + strings.Repeat("x", 254) + "=cluster-owner"
	if _, err := ParseMember(long); err == nil || !strings.Contains(err.Error(), "name is 254 characters, at most 253") {
		t.Errorf("ParseMember(long) error = %v", err)
	}
}

func TestParseMemberRef(t *testing.T) {
	// A member the hub refuses can still be named, to remove it.
	got, err := ParseMemberRef("Group:system:masters")
	if want := (v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "system:masters"}); err != nil || got != want {
		t.Fatalf("ParseMemberRef = %+v, %v; want %+v", got, err, want)
	}
	if FormatMemberRef(got) != "Group:system:masters" {
		t.Errorf("FormatMemberRef = %q", FormatMemberRef(got))
	}
	if _, err := ParseMemberRef("alice"); err == nil || err.Error() != `"alice": missing KIND: want KIND:NAME with KIND one of User, Group` {
		t.Errorf("ParseMemberRef(alice) error = %v", err)
	}
}

func TestParseMemberFlags(t *testing.T) {
	got, err := ParseMemberFlags([]string{"User:alice=cluster-owner", "Group:alice=cluster-member", "user:alice=cluster-owner"})
	want := []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}, {Kind: v1alpha1.MemberGroup, Name: "alice", Role: v1alpha1.RoleMember}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("a repeated member: %+v, %v; want %+v", got, err, want)
	}
	for values, want := range map[[2]string]string{
		{"User:bob=cluster-owner", "User:bob=cluster-member"}:            `invalid --member: "User:bob=cluster-member" conflicts with --member User:bob=cluster-owner: give each member one role`,
		{"User:bob=cluster-owner", "Group:system:masters=cluster-owner"}: `invalid --member: "Group:system:masters=cluster-owner": Group system:masters is the downstream's superuser group`,
	} {
		if _, err := ParseMemberFlags(values[:]); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseMemberFlags(%q) error = %v\nwant %s", values, err, want)
		}
	}
}
