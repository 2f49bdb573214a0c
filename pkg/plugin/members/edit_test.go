package members

import (
	"slices"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	alice = v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}
	sre   = v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleMember}
)

func TestParseEditErrors(t *testing.T) {
	cases := []struct {
		add, remove []string
		want        string
	}{
		{add: []string{"Robot:r2=cluster-owner"}, want: `invalid --add "Robot:r2=cluster-owner": unknown kind "Robot", want one of User, Group`},
		{add: []string{"User:bob"}, want: `invalid --add "User:bob": missing =ROLE: want KIND:NAME=ROLE with ROLE one of cluster-owner, cluster-member`},
		{remove: []string{"bob"}, want: `invalid --remove "bob": missing KIND: want KIND:NAME with KIND one of User, Group`},
		{add: []string{"User:bob=cluster-owner", "User:bob=cluster-member"},
			want: `--add "User:bob=cluster-member" conflicts with --add User:bob=cluster-owner: give each member one change`},
		{add: []string{"User:bob=cluster-owner"}, remove: []string{"User:bob"},
			want: `--remove "User:bob" conflicts with --add User:bob=cluster-owner: give each member one change`},
	}
	for _, c := range cases {
		if _, err := ParseEdit(c.add, c.remove); err == nil || err.Error() != c.want {
			t.Errorf("ParseEdit(%q, %q) = %v\nwant %s", c.add, c.remove, err, c.want)
		}
	}
	e, err := ParseEdit([]string{"User:bob=cluster-owner", "User:bob=cluster-owner"}, nil)
	if err != nil || len(e.Add) != 2 {
		t.Errorf("the same --add twice: %+v, %v", e, err)
	}
}

func TestApply(t *testing.T) {
	bob := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "bob", Role: v1alpha1.RoleMember}
	aliceMember := alice
	aliceMember.Role = v1alpha1.RoleMember
	cases := []struct {
		name    string
		edit    Edit
		members []v1alpha1.Member
		want    []v1alpha1.Member
	}{
		{"add to none", Edit{Add: []v1alpha1.Member{bob}}, nil, []v1alpha1.Member{bob}},
		{"add appends", Edit{Add: []v1alpha1.Member{bob}}, []v1alpha1.Member{alice, sre}, []v1alpha1.Member{alice, sre, bob}},
		{"add existing is a no-op", Edit{Add: []v1alpha1.Member{sre}}, []v1alpha1.Member{alice, sre}, []v1alpha1.Member{alice, sre}},
		{"add changes a role in place", Edit{Add: []v1alpha1.Member{aliceMember}}, []v1alpha1.Member{alice, sre}, []v1alpha1.Member{aliceMember, sre}},
		{"remove ignores the role", Edit{Remove: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "alice"}}},
			[]v1alpha1.Member{alice, sre}, []v1alpha1.Member{sre}},
		{"a user and a group of one name are two members", Edit{Remove: []v1alpha1.Member{{Kind: v1alpha1.MemberGroup, Name: "alice"}}},
			[]v1alpha1.Member{alice, {Kind: v1alpha1.MemberGroup, Name: "alice", Role: v1alpha1.RoleOwner}}, []v1alpha1.Member{alice}},
	}
	for _, c := range cases {
		got, err := c.edit.Apply(c.members)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	_, err := Edit{Remove: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "carol"}}}.Apply([]v1alpha1.Member{alice, sre})
	if want := "--remove User:carol: not a member (members: User:alice=cluster-owner, Group:sre=cluster-member)"; err == nil || err.Error() != want {
		t.Errorf("removing a non-member: %v\nwant %s", err, want)
	}
	_, err = Edit{Remove: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "carol"}}}.Apply(nil)
	if want := "--remove User:carol: not a member (members: none)"; err == nil || err.Error() != want {
		t.Errorf("removing from none: %v\nwant %s", err, want)
	}
}
