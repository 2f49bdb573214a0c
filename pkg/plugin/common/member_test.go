package common

import (
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
