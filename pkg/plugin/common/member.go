package common

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// MemberKinds and MemberRoles are the accepted values, in the order error messages list them.
var (
	MemberKinds = []v1alpha1.MemberKind{v1alpha1.MemberUser, v1alpha1.MemberGroup}
	MemberRoles = []v1alpha1.MemberRole{v1alpha1.RoleOwner, v1alpha1.RoleMember}
)

// MemberSyntax and MemberRefSyntax describe the flag values ParseMember and ParseMemberRef take.
const (
	MemberSyntax    = "KIND:NAME=ROLE"
	MemberRefSyntax = "KIND:NAME"
)

// ParseMember parses KIND:NAME=ROLE, e.g. User:alice=cluster-owner or Group:ops=cluster-member.
// KIND ends at the first ':' and ROLE starts after the last '=', so names such as
// system:serviceaccount:ns:sa keep their colons. KIND is matched case-insensitively.
// Subjects the hub refuses (validate.Subject: everyone, a whole namespace's ServiceAccounts,
// other system: names, malformed names) are refused here with the hub's words.
// Errors quote the value and list what is accepted; callers prefix the flag name.
func ParseMember(s string) (v1alpha1.Member, error) {
	eq := strings.LastIndex(s, "=")
	if eq < 0 {
		return v1alpha1.Member{}, fmt.Errorf("%q: missing =ROLE: want %s with ROLE one of %s", s, MemberSyntax, joinRoles())
	}
	m, err := parseRef(s[:eq], s, MemberSyntax)
	if err != nil {
		return v1alpha1.Member{}, err
	}
	role := v1alpha1.MemberRole(s[eq+1:])
	if !validRole(role) {
		return v1alpha1.Member{}, fmt.Errorf("%q: unknown role %q, want one of %s", s, role, joinRoles())
	}
	m.Role = role
	if err := validate.Subject(m); err != nil {
		return v1alpha1.Member{}, fmt.Errorf("%q: %w", s, err)
	}
	return m, nil
}

// ParseMemberRef parses KIND:NAME (a member without its role), as `members --remove` takes it.
// It does not apply validate.Subject: removing a member the hub would refuse must work.
func ParseMemberRef(s string) (v1alpha1.Member, error) {
	return parseRef(s, s, MemberRefSyntax)
}

// FormatMember is the inverse of ParseMember.
func FormatMember(m v1alpha1.Member) string {
	return fmt.Sprintf("%s:%s=%s", m.Kind, m.Name, m.Role)
}

// FormatMemberRef is the inverse of ParseMemberRef.
func FormatMemberRef(m v1alpha1.Member) string {
	return fmt.Sprintf("%s:%s", m.Kind, m.Name)
}

func parseRef(ref, whole, syntax string) (v1alpha1.Member, error) {
	kind, name, ok := strings.Cut(ref, ":")
	if !ok {
		return v1alpha1.Member{}, fmt.Errorf("%q: missing KIND: want %s with KIND one of %s", whole, syntax, joinKinds())
	}
	k, ok := canonicalKind(kind)
	if !ok {
		return v1alpha1.Member{}, fmt.Errorf("%q: unknown kind %q, want one of %s", whole, kind, joinKinds())
	}
	if name == "" {
		return v1alpha1.Member{}, fmt.Errorf("%q: empty NAME: want %s", whole, syntax)
	}
	if len(name) > 253 {
		return v1alpha1.Member{}, fmt.Errorf("%q: name is %d characters, at most 253 are allowed", whole, len(name))
	}
	return v1alpha1.Member{Kind: k, Name: name}, nil
}

func canonicalKind(s string) (v1alpha1.MemberKind, bool) {
	for _, k := range MemberKinds {
		if strings.EqualFold(s, string(k)) {
			return k, true
		}
	}
	return "", false
}

func validRole(r v1alpha1.MemberRole) bool {
	for _, v := range MemberRoles {
		if r == v {
			return true
		}
	}
	return false
}

func joinKinds() string {
	s := make([]string, len(MemberKinds))
	for i, k := range MemberKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func joinRoles() string {
	s := make([]string, len(MemberRoles))
	for i, r := range MemberRoles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// MemberRows are kind, name, role and the downstream ClusterRole the role is bound to.
func MemberRows(members []v1alpha1.Member) [][]string {
	rows := make([][]string, 0, len(members))
	for _, m := range members {
		rows = append(rows, []string{string(m.Kind), m.Name, string(m.Role), ValueOrNone(agent.DownstreamRoles[m.Role])})
	}
	return rows
}

// ParseMemberFlags parses every --member value, naming the flag in errors. A member given
// twice counts once; one subject with two roles is refused, as the hub refuses it.
func ParseMemberFlags(values []string) ([]v1alpha1.Member, error) {
	var members []v1alpha1.Member
	for _, s := range values {
		m, err := ParseMember(s)
		if err != nil {
			return nil, fmt.Errorf("invalid --member: %w", err)
		}
		i := slices.IndexFunc(members, func(p v1alpha1.Member) bool { return p.Kind == m.Kind && p.Name == m.Name })
		switch {
		case i < 0:
			members = append(members, m)
		case members[i].Role != m.Role:
			return nil, fmt.Errorf("invalid --member: %q conflicts with --member %s: give each member one role", s, FormatMember(members[i]))
		}
	}
	return members, nil
}
