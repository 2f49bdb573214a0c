package inspect

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestProjects(t *testing.T) {
	tests := []struct {
		name       string
		namespaces []string
		want       []v1alpha1.Project
	}{
		{
			name:       "all present, extra ignored",
			namespaces: []string{"kube-system", "apps", "default", "ingress-nginx", "kube-public", "cattle-system", "kube-node-lease"},
			want: []v1alpha1.Project{
				{Name: "Default", Namespaces: []string{"default"}},
				{Name: "System", Namespaces: []string{"cattle-system", "ingress-nginx", "kube-public", "kube-system"}},
			},
		},
		{
			name:       "only some system namespaces",
			namespaces: []string{"default", "kube-system", "kube-public"},
			want: []v1alpha1.Project{
				{Name: "Default", Namespaces: []string{"default"}},
				{Name: "System", Namespaces: []string{"kube-public", "kube-system"}},
			},
		},
		{
			name:       "default missing",
			namespaces: []string{"kube-system"},
			want: []v1alpha1.Project{
				{Name: "Default"},
				{Name: "System", Namespaces: []string{"kube-system"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Projects(tt.namespaces); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Projects() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func member(kind v1alpha1.MemberKind, name string, role v1alpha1.ProjectRole) v1alpha1.ProjectMember {
	return v1alpha1.ProjectMember{Kind: kind, Name: name, Role: role}
}

func TestAssign(t *testing.T) {
	dev := member(v1alpha1.MemberUser, "dev", v1alpha1.RoleProjectMember)
	ops := member(v1alpha1.MemberGroup, "ops", v1alpha1.RoleReadOnly)
	specs := []v1alpha1.ProjectSpec{
		{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a-prod", "a-dev", "a-later"}, Members: []v1alpha1.ProjectMember{dev, ops}},
		{Name: "System", Namespaces: []v1alpha1.NamespaceName{"cert-manager"}, Members: []v1alpha1.ProjectMember{ops}},
		{Name: "team-b", Namespaces: []v1alpha1.NamespaceName{"b", "a-prod"}},
	}
	present := map[string]Namespace{
		"default":      {Project: "default"},
		"kube-system":  {Project: "team-a"}, // relabelled by hand: the built-ins stay System's
		"a-prod":       {Project: "team-a", Assigned: true},
		"a-dev":        {},
		"joined":       {Project: "team-a"},                 // created with the label: joins
		"moved-out":    {Project: "team-a", Assigned: true}, // the sync put it there; no project lists it now
		"unknown":      {Project: "team-z"},                 // no such project: left alone
		"b":            {Project: "team-b"},                 // labelled by hand, listed: gets the mark
		"cert-manager": {Project: "team-a", Assigned: true}, // moved to System
	}
	a := NewProjectIndex(specs).Assign(present, func(p v1alpha1.ProjectSpec, m v1alpha1.ProjectMember) bool {
		return !(p.Name == v1alpha1.ProjectSystem && m == ops) // refused by a rule: no binding
	})
	wantProjects := []v1alpha1.Project{
		{Name: "Default", Namespaces: []string{"default"}},
		{Name: "System", Namespaces: []string{"cert-manager", "kube-system"}},
		{Name: "team-a", Namespaces: []string{"a-dev", "a-prod", "joined"}},
		{Name: "team-b", Namespaces: []string{"b"}},
	}
	if !reflect.DeepEqual(a.Projects, wantProjects) {
		t.Errorf("Projects = %+v\nwant %+v", a.Projects, wantProjects)
	}
	if want := map[string]string{"kube-system": "system", "a-dev": "team-a", "b": "team-b", "cert-manager": "system"}; !reflect.DeepEqual(a.Label, want) {
		t.Errorf("Label = %v, want %v", a.Label, want)
	}
	if want := map[string]bool{"kube-system": false, "a-dev": true, "b": true, "cert-manager": true}; !reflect.DeepEqual(a.Mark, want) {
		t.Errorf("Mark = %v, want %v", a.Mark, want)
	}
	if want := []string{"moved-out"}; !reflect.DeepEqual(a.Unlabel, want) {
		t.Errorf("Unlabel = %v, want %v", a.Unlabel, want)
	}
	// Listed namespaces first (a-dev, a-prod), then the one that joined by its label.
	wantBindings := []ProjectBinding{
		{"team-a", "a-dev", dev}, {"team-a", "a-dev", ops}, {"team-a", "a-prod", dev}, {"team-a", "a-prod", ops},
		{"team-a", "joined", dev}, {"team-a", "joined", ops},
	}
	if !reflect.DeepEqual(a.Bindings, wantBindings) {
		t.Errorf("Bindings = %+v\nwant %+v", a.Bindings, wantBindings)
	}
	for _, name := range []string{"a-later", "joined", "moved-out", "b", "kube-system"} {
		if !NewProjectIndex(specs).Keeps(name, present[name]) {
			t.Errorf("Keeps(%s) = false", name)
		}
	}
	for _, name := range []string{"unknown", "other"} {
		if NewProjectIndex(specs).Keeps(name, present[name]) {
			t.Errorf("Keeps(%s) = true", name)
		}
	}
}

// TestAssignBounds: namespaces that joined by their label alone and bindings beyond the
// bounds are counted, not covered; those the spec lists come first.
func TestAssignBounds(t *testing.T) {
	var members []v1alpha1.ProjectMember
	for i := range 3 {
		members = append(members, member(v1alpha1.MemberUser, fmt.Sprint("u", i), v1alpha1.RoleReadOnly))
	}
	spec := v1alpha1.ProjectSpec{Name: "big", Members: members}
	present := map[string]Namespace{}
	for i := range 300 {
		spec.Namespaces = append(spec.Namespaces, v1alpha1.NamespaceName(fmt.Sprintf("listed-%03d", i)))
		present[fmt.Sprintf("listed-%03d", i)] = Namespace{}
	}
	for i := range 300 {
		present[fmt.Sprintf("joined-%03d", i)] = Namespace{Project: "big"}
	}
	a := NewProjectIndex([]v1alpha1.ProjectSpec{spec}).Assign(present, nil)
	if n := len(a.Projects[2].Namespaces); n != MaxProjectNamespaces || a.IgnoredNamespaces != 600-MaxProjectNamespaces {
		t.Errorf("%d namespaces in status, %d ignored", n, a.IgnoredNamespaces)
	}
	if len(a.Bindings) != v1alpha1.MaxProjectBindings || a.IgnoredBindings != 3*MaxProjectNamespaces-v1alpha1.MaxProjectBindings {
		t.Errorf("%d bindings, %d ignored", len(a.Bindings), a.IgnoredBindings)
	}
	for _, b := range a.Bindings[:900] {
		if b.Namespace[:7] != "listed-" {
			t.Fatalf("binding %+v before those of every listed namespace", b)
		}
	}
}

// TestAssignReportsBoundedNamespaces: status reports at most MaxReportedNamespaces
// namespaces across projects; the others are still bound.
func TestAssignReportsBoundedNamespaces(t *testing.T) {
	var specs []v1alpha1.ProjectSpec
	present := map[string]Namespace{}
	for p := range 5 {
		spec := v1alpha1.ProjectSpec{Name: fmt.Sprint("p", p), Members: []v1alpha1.ProjectMember{member(v1alpha1.MemberGroup, "g", v1alpha1.RoleReadOnly)}}
		for i := range 500 {
			name := fmt.Sprintf("p%d-%03d", p, i)
			spec.Namespaces = append(spec.Namespaces, v1alpha1.NamespaceName(name))
			present[name] = Namespace{}
		}
		specs = append(specs, spec)
	}
	a := NewProjectIndex(specs).Assign(present, nil)
	reported := 0
	for _, p := range a.Projects {
		reported += len(p.Namespaces)
	}
	if reported != MaxReportedNamespaces || a.Unreported != 2500-MaxReportedNamespaces || len(a.Bindings) != v1alpha1.MaxProjectBindings {
		t.Errorf("reported %d, unreported %d, bindings %d", reported, a.Unreported, len(a.Bindings))
	}
}
