package agent_test

import (
	"slices"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The agent may bind the ClusterRoles of cluster and project roles, by name, and no other.
func TestBindableRoles(t *testing.T) {
	want := []string{"admin", "cluster-admin", "edit", "view"}
	if got := agent.BindableRoles(); !slices.Equal(got, want) {
		t.Errorf("BindableRoles() = %v, want %v", got, want)
	}
	found := false
	for _, r := range agent.ClusterRules() {
		if slices.Contains(r.Verbs, "bind") {
			found = true
			if !slices.Equal(r.Resources, []string{"clusterroles"}) || !slices.Equal(r.Verbs, []string{"bind"}) || !slices.Equal(r.ResourceNames, want) {
				t.Errorf("bind rule %+v", r)
			}
		}
	}
	if !found {
		t.Error("no bind rule")
	}
}

func TestProjectBinding(t *testing.T) {
	m := v1alpha1.ProjectMember{Kind: v1alpha1.MemberGroup, Name: "team-a-devs", Role: v1alpha1.RoleProjectMember}
	b := agent.ProjectBinding("prod", "team-a", "a-dev", m)
	if b.Namespace != "a-dev" || b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "edit" ||
		len(b.Subjects) != 1 || b.Subjects[0].Kind != "Group" || b.Subjects[0].Name != "team-a-devs" ||
		b.Labels[v1alpha1.ProjectMemberLabel] != "true" || b.Labels[v1alpha1.ClusterLabel] != "prod" || b.Labels[v1alpha1.ProjectLabel] != "team-a" {
		t.Errorf("ProjectBinding = %+v", b)
	}
	// One name per project, subject and role: a namespace moving projects changes it.
	names := map[string]bool{}
	for _, project := range []string{"team-a", "team-b"} {
		for _, role := range v1alpha1.ProjectRoles {
			m.Role = role
			names[agent.ProjectBindingName(project, m)] = true
		}
	}
	if len(names) != 6 {
		t.Errorf("%d names for 6 bindings", len(names))
	}
}
