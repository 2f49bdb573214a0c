package common

import (
	"fmt"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/projectedit"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// ParseProjectMember parses KIND:NAME=ROLE with a project role (project-owner,
// project-member, read-only), as ParseMember parses a cluster member; a subject the hub
// refuses is refused here with the hub's words, for project.
func ParseProjectMember(project, s string) (v1alpha1.ProjectMember, error) {
	eq := strings.LastIndex(s, "=")
	if eq < 0 {
		return v1alpha1.ProjectMember{}, fmt.Errorf("%q: missing =ROLE: want %s with ROLE one of %s", s, MemberSyntax, joinProjectRoles())
	}
	ref, err := parseRef(s[:eq], s, MemberSyntax)
	if err != nil {
		return v1alpha1.ProjectMember{}, err
	}
	m := v1alpha1.ProjectMember{Kind: ref.Kind, Name: ref.Name, Role: v1alpha1.ProjectRole(s[eq+1:])}
	if _, ok := agent.ProjectRoles[m.Role]; !ok {
		return v1alpha1.ProjectMember{}, fmt.Errorf("%q: unknown role %q, want one of %s", s, m.Role, joinProjectRoles())
	}
	if err := validate.ProjectSubject(project, m); err != nil {
		return v1alpha1.ProjectMember{}, fmt.Errorf("%q: %w", s, err)
	}
	return m, nil
}

// FormatProjectMember is the inverse of ParseProjectMember.
func FormatProjectMember(m v1alpha1.ProjectMember) string { return projectedit.FormatMember(m) }

func joinProjectRoles() string {
	s := make([]string, len(v1alpha1.ProjectRoles))
	for i, r := range v1alpha1.ProjectRoles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
