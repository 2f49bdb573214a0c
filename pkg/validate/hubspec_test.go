package validate

import (
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestHubSpec(t *testing.T) {
	withProjects := func() *v1alpha1.ImportedCluster {
		c := active()
		c.Spec.Members = []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "root", Role: v1alpha1.RoleOwner}}
		c.Spec.Projects = []v1alpha1.ProjectSpec{
			{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a-dev"}, Members: []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberUser, Name: "lead", Role: v1alpha1.RoleProjectOwner}}},
			{Name: "team-b"},
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		user   string
		change func(c *v1alpha1.ImportedCluster)
		create bool
		refuse []string // field: message fragment
	}{
		{name: "the hub adds a namespace and a member to a project", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) {
			c.Spec.Projects[0].Namespaces = append(c.Spec.Projects[0].Namespaces, "a-staging")
			c.Spec.Projects[1].Members = []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberGroup, Name: "devs", Role: v1alpha1.RoleProjectMember}}
		}},
		{name: "the hub removes them", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) {
			c.Spec.Projects[0].Namespaces, c.Spec.Projects[0].Members = nil, nil
		}},
		{name: "the hub writes metadata (finalizer, label)", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) {
			c.Finalizers = nil
			c.Labels = map[string]string{"x": "y"}
		}},
		{name: "the hub changes the cluster's members", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) {
			c.Spec.Members = append(c.Spec.Members, v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "lead", Role: v1alpha1.RoleOwner})
		}, refuse: []string{"spec.members: Forbidden: the hub component (system:serviceaccount:kimport-system:kimport-controller) may not change it: the hub component changes only the namespaces and members of a cluster's projects"}},
		{name: "the hub re-points the cluster and changes its mode", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) {
			c.Spec.APIServer = "https://elsewhere:6443"
			c.Spec.Mode = v1alpha1.ModeAgent
		}, refuse: []string{"spec.apiServer: Forbidden", "spec.mode: Forbidden"}},
		{name: "the hub creates a project", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) {
			c.Spec.Projects = append(c.Spec.Projects, v1alpha1.ProjectSpec{Name: "mine"})
		}, refuse: []string{`spec.projects: Forbidden: the hub component (system:serviceaccount:kimport-system:kimport-controller) may not create, delete, rename or reorder projects ([team-a, team-b] → [team-a, team-b, mine])`}},
		{name: "the hub deletes one", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) { c.Spec.Projects = c.Spec.Projects[:1] },
			refuse: []string{"spec.projects: Forbidden: the hub component"}},
		{name: "the hub renames one", user: hubWriter, change: func(c *v1alpha1.ImportedCluster) { c.Spec.Projects[1].Name = "team-c" },
			refuse: []string{"spec.projects: Forbidden"}},
		{name: "the hub creates a record", user: hubWriter, create: true,
			refuse: []string{"spec: Forbidden: the hub component (system:serviceaccount:kimport-system:kimport-controller) creates no ImportedCluster"}},
		{name: "a hub user changes anything", user: teamUser, change: func(c *v1alpha1.ImportedCluster) {
			c.Spec.Members = nil
			c.Spec.Projects = nil
		}},
		{name: "a hub user creates", user: teamUser, create: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldObj, newObj := withProjects(), withProjects()
			if tc.change != nil {
				tc.change(newObj)
			}
			if tc.create {
				oldObj = nil
			}
			r := HubSpec(newObj, oldObj, tc.user, []string{hubWriter})
			if len(r.Errors) != len(tc.refuse) {
				t.Fatalf("got %d errors, want %d: %v", len(r.Errors), len(tc.refuse), r.Err())
			}
			for i, want := range tc.refuse {
				if got := r.Errors[i].Error(); !strings.Contains(got, want) {
					t.Errorf("error %d:\n got %s\nwant %s", i, got, want)
				}
				if r.RuleOf(i) != RuleHubSpec {
					t.Errorf("error %d by rule %q", i, r.RuleOf(i))
				}
			}
		})
	}
}
