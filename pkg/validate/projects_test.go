package validate

import (
	"fmt"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func pm(kind v1alpha1.MemberKind, name string, role v1alpha1.ProjectRole) v1alpha1.ProjectMember {
	return v1alpha1.ProjectMember{Kind: kind, Name: name, Role: role}
}

func project(name string, namespaces []string, members ...v1alpha1.ProjectMember) v1alpha1.ProjectSpec {
	p := v1alpha1.ProjectSpec{Name: name, Members: members}
	for _, ns := range namespaces {
		p.Namespaces = append(p.Namespaces, v1alpha1.NamespaceName(ns))
	}
	return p
}

// withProjects is a cluster whose owner is alice, with projects.
func withProjects(projects ...v1alpha1.ProjectSpec) *v1alpha1.ImportedCluster {
	c := withMembers(user("alice", v1alpha1.RoleOwner), group("admins", v1alpha1.RoleOwner), user("carol", v1alpha1.RoleMember))
	c.Spec.Projects = projects
	return c
}

func TestProjects(t *testing.T) {
	dev := pm(v1alpha1.MemberUser, "dev", v1alpha1.RoleProjectMember)
	viewers := pm(v1alpha1.MemberGroup, "viewers", v1alpha1.RoleReadOnly)
	teamA := project("team-a", []string{"a-prod", "a-dev"}, dev, viewers)
	system := func(members ...v1alpha1.ProjectMember) v1alpha1.ProjectSpec {
		return project("System", []string{"cert-manager"}, members...)
	}
	cases := []struct {
		desc           string
		newObj, oldObj *v1alpha1.ImportedCluster
		errs, warnings []string
	}{
		{"CREATE with projects", withProjects(teamA, project("Default", nil, viewers), project("team-b", []string{"b"})), nil, nil, nil},
		{"CREATE without projects", withProjects(), nil, nil, nil},
		{"System lists its own namespaces and takes cluster-owners and read-only", withProjects(project("System", []string{"kube-system", "cert-manager"},
			pm(v1alpha1.MemberUser, "alice", v1alpha1.RoleProjectOwner), pm(v1alpha1.MemberGroup, "admins", v1alpha1.RoleProjectMember), viewers)), nil, nil, nil},

		{"a member that stands for everyone", withProjects(project("team-a", []string{"a"}, pm(v1alpha1.MemberGroup, "system:authenticated", v1alpha1.RoleProjectMember))), nil,
			[]string{`=spec.projects[0].members[0].name: Invalid value: "system:authenticated": Group system:authenticated stands for every authenticated identity of the downstream: ` +
				`giving it project-member makes everyone an editor (edit) of every namespace of project team-a; name the users or groups that need access`}, nil},
		{"a member under kimport:", withProjects(project("team-a", []string{"a"}, pm(v1alpha1.MemberUser, "kimport:hub:system:serviceaccount:a:b", v1alpha1.RoleReadOnly))), nil,
			[]string{`=spec.projects[0].members[0].name: Invalid value: "kimport:hub:system:serviceaccount:a:b": User kimport:hub:system:serviceaccount:a:b starts with kimport:, ` +
				`which is reserved for the identities the hub gateway acts as in a downstream: a role for it would reach whoever the gateway acts as under that name, not whom you mean; name the user or group itself`}, nil},
		{"System refuses project-member for a cluster-member", withProjects(system(pm(v1alpha1.MemberUser, "carol", v1alpha1.RoleProjectMember))), nil,
			[]string{`=spec.projects[0].members[0].role: Forbidden: User carol is not a cluster-owner: project-member of System gives edit in kube-system, and rights in kube-system are cluster rights ` +
				`(its ServiceAccounts' tokens, the control plane's configuration and its workloads let whoever edits there act as cluster-admin); give carol read-only in System, ` +
				`or make it a cluster-owner first (kubectl import members CLUSTER --add User:carol=cluster-owner)`}, nil},
		{"System refuses project-owner for a stranger, and a group by a user's name", withProjects(system(pm(v1alpha1.MemberUser, "mallory", v1alpha1.RoleProjectOwner),
			pm(v1alpha1.MemberGroup, "alice", v1alpha1.RoleProjectMember))), nil,
			[]string{"spec.projects[0].members[0].role: Forbidden: User mallory is not a cluster-owner: project-owner of System gives admin in kube-system",
				"spec.projects[0].members[1].role: Forbidden: Group alice is not a cluster-owner"}, nil},
		{"names", withProjects(project("default", nil), project("Team-A", nil), project("system", nil), project("a_b", nil)), nil,
			[]string{`=spec.projects[0].name: Invalid value: "default": default is how namespaces of project Default are labelled: write Default to give that project namespaces or members, or choose another name`,
				`spec.projects[1].name: Invalid value: "Team-A": a project name is Default, System or a DNS label (lowercase letters, digits and '-', at most 63): a lowercase RFC 1123 label`,
				`spec.projects[2].name: Invalid value: "system": system is how namespaces of project System are labelled`,
				`spec.projects[3].name: Invalid value: "a_b"`}, nil},
		{"one entry a project", withProjects(project("team-a", []string{"a"}), project("team-a", []string{"b"})), nil,
			[]string{`=spec.projects[1].name: Duplicate value: "team-a": spec.projects[0] is project team-a already: one entry a project; merge the two`}, nil},
		{"a namespace in two projects", withProjects(teamA, project("team-b", []string{"b", "a-dev"})), nil,
			[]string{`=spec.projects[1].namespaces[1]: Duplicate value: "a-dev": namespace a-dev is in project team-a already (spec.projects[0].namespaces[1]): ` +
				`a namespace belongs to one project; remove it from one of them, or move it with kubectl import projects CLUSTER remove-namespace team-a a-dev first`}, nil},
		{"a built-in namespace in another project", withProjects(project("team-a", []string{"kube-system", "default"})), nil,
			[]string{`=spec.projects[0].namespaces[0]: Invalid value: "kube-system": namespace kube-system always belongs to project System (it holds cattle-system, ingress-nginx, kube-public, kube-system); remove it from team-a`,
				`spec.projects[0].namespaces[1]: Invalid value: "default": namespace default always belongs to project Default`}, nil},
		{"a namespace that is no name", withProjects(project("team-a", []string{"A"})), nil,
			[]string{`spec.projects[0].namespaces[0]: Invalid value: "A": not a namespace name: a lowercase RFC 1123 label`}, nil},
		{"a subject with two roles", withProjects(project("team-a", []string{"a"}, dev, pm(v1alpha1.MemberUser, "dev", v1alpha1.RoleReadOnly))), nil,
			[]string{`=spec.projects[0].members[1]: Duplicate value: "User:dev=read-only": User dev is spec.projects[0].members[0] already, with role project-member: a subject has one role in a project; remove the entry you do not mean`}, nil},

		{"UPDATE leaving a stored problem only warns", withProjects(teamA, project("team-b", []string{"a-dev"})), withProjects(project("team-b", []string{"a-dev"}), teamA), nil,
			[]string{`remove-namespace team-a a-dev first (already stored before this update, so allowed; please fix it)`}},
		{"UPDATE moving a namespace in one write", withProjects(project("team-a", []string{"a-prod"}, dev), project("team-b", []string{"a-dev"})), withProjects(teamA, project("team-b", nil)), nil, nil},
		{"UPDATE removing the cluster-owner a System project-member relies on refuses", func() *v1alpha1.ImportedCluster {
			c := withProjects(system(pm(v1alpha1.MemberUser, "alice", v1alpha1.RoleProjectMember)))
			c.Spec.Members = c.Spec.Members[1:]
			return c
		}(), withProjects(system(pm(v1alpha1.MemberUser, "alice", v1alpha1.RoleProjectMember))),
			[]string{"spec.projects[0].members[0].role: Forbidden: User alice is not a cluster-owner"}, nil},
		{"UPDATE removing a stored bad member", withProjects(project("team-a", []string{"a"})),
			withProjects(project("team-a", []string{"a"}, pm(v1alpha1.MemberGroup, "system:masters", v1alpha1.RoleProjectOwner))), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			r := Projects(tc.newObj, tc.oldObj)
			expectResult(t, r, tc.errs, tc.warnings)
			for i := range r.Errors {
				if r.RuleOf(i) != RuleProjects {
					t.Errorf("error %d by rule %q", i, r.RuleOf(i))
				}
			}
			// The whole validator applies it too.
			if all := ImportedCluster(tc.newObj, tc.oldObj, Context{}); len(all.Errors) < len(tc.errs) {
				t.Errorf("ImportedCluster refuses %d, Projects %d", len(all.Errors), len(tc.errs))
			}
		})
	}
}

// TestProjectBindings: at most 1,000 RoleBindings, the built-in namespaces counted; an
// update that does not add any to a record over the bound only warns.
func TestProjectBindings(t *testing.T) {
	var members []v1alpha1.ProjectMember
	for i := range 10 {
		members = append(members, pm(v1alpha1.MemberUser, fmt.Sprint("u", i), v1alpha1.RoleReadOnly))
	}
	namespaces := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprint("ns-", i))
		}
		return out
	}
	// System: 4 built-in + 96 listed = 100 namespaces × 10 members = 1,000: allowed.
	atBound := withProjects(project("System", namespaces(96), members...))
	for i := range atBound.Spec.Projects[0].Members {
		atBound.Spec.Members = append(atBound.Spec.Members, user(atBound.Spec.Projects[0].Members[i].Name, v1alpha1.RoleOwner))
	}
	if n := ProjectBindings(&atBound.Spec); n != 1000 {
		t.Fatalf("ProjectBindings = %d, want 1000", n)
	}
	expectResult(t, Projects(atBound, nil), nil, nil)
	over := atBound.DeepCopy()
	over.Spec.Projects = append(over.Spec.Projects, project("team-a", []string{"a"}, dev()))
	const why = `=spec.projects: Invalid value: "1001 RoleBindings": the projects ask for 1001 RoleBindings (one per member and namespace), more than the 1000 a cluster may have: ` +
		`each is an object the downstream stores, rewrites on every sync and consults when it authorizes any request in that namespace, and their number grows as members times namespaces; ` +
		`give the role to a Group once instead of to each person, or split the namespaces between projects`
	expectResult(t, Projects(over, nil), []string{why}, nil)
	expectResult(t, Projects(over, atBound), []string{why}, nil)
	edited := over.DeepCopy()
	edited.Spec.Projects[1].Namespaces = []v1alpha1.NamespaceName{"b"}
	expectResult(t, Projects(edited, over), nil, []string{why[1:] + " (already stored before this update, so allowed; please fix it)"})
}

func dev() v1alpha1.ProjectMember { return pm(v1alpha1.MemberUser, "dev", v1alpha1.RoleProjectMember) }

func TestProjectMember(t *testing.T) {
	spec := &withProjects().Spec
	if err := ProjectMember(spec, "System", pm(v1alpha1.MemberUser, "alice", v1alpha1.RoleProjectOwner)); err != nil {
		t.Errorf("a cluster-owner as System project-owner: %v", err)
	}
	if err := ProjectMember(spec, "team-a", pm(v1alpha1.MemberUser, "carol", v1alpha1.RoleProjectOwner)); err != nil {
		t.Errorf("anyone as team-a project-owner: %v", err)
	}
	for _, m := range []v1alpha1.ProjectMember{pm(v1alpha1.MemberUser, "carol", v1alpha1.RoleProjectOwner), pm(v1alpha1.MemberGroup, "system:masters", v1alpha1.RoleReadOnly)} {
		if err := ProjectMember(spec, "System", m); err == nil {
			t.Errorf("ProjectMember(System, %+v) accepted", m)
		}
	}
}

func TestSubjects(t *testing.T) {
	spec := withProjects(
		project("team-a", []string{"a"}, dev(), pm(v1alpha1.MemberUser, "alice", v1alpha1.RoleReadOnly), pm(v1alpha1.MemberGroup, "system:authenticated", v1alpha1.RoleReadOnly)),
		project("System", nil, pm(v1alpha1.MemberUser, "carol", v1alpha1.RoleProjectMember), pm(v1alpha1.MemberGroup, "auditors", v1alpha1.RoleReadOnly)),
	).Spec
	spec.Members = append(spec.Members, group("system:masters", v1alpha1.RoleOwner))
	got := fmt.Sprint(Subjects(&spec))
	// alice, admins, carol (cluster members), dev, auditors; not system:authenticated, not
	// system:masters, and carol once though System refuses her as project-member.
	if want := "[{User alice } {Group admins } {User carol } {User dev } {Group auditors }]"; got != want {
		t.Errorf("Subjects = %s\nwant %s", got, want)
	}
}

// BenchmarkProjects: the projects rule on an update of a cluster whose projects ask for the
// most RoleBindings allowed (20 projects of 50 namespaces, one group each), as the webhook
// runs it on every spec change.
func BenchmarkProjects(b *testing.B) {
	var projects []v1alpha1.ProjectSpec
	for p := range 20 {
		var namespaces []string
		for i := range 50 {
			namespaces = append(namespaces, fmt.Sprintf("p%d-ns-%d", p, i))
		}
		projects = append(projects, project(fmt.Sprint("team-", p), namespaces, pm(v1alpha1.MemberGroup, fmt.Sprint("team-", p), v1alpha1.RoleProjectMember)))
	}
	oldObj := withProjects(projects...)
	newObj := oldObj.DeepCopy()
	newObj.Spec.Projects[0].Members = append(newObj.Spec.Projects[0].Members, pm(v1alpha1.MemberUser, "dev", v1alpha1.RoleReadOnly))
	newObj.Spec.Projects[0].Namespaces = newObj.Spec.Projects[0].Namespaces[:25]
	if n := ProjectBindings(&newObj.Spec); n != 1000 {
		b.Fatalf("%d bindings", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := Projects(newObj, oldObj); !r.Allowed() {
			b.Fatal(r.Err())
		}
	}
}
