package access

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func pm(kind v1alpha1.MemberKind, name string, role v1alpha1.ProjectRole) v1alpha1.ProjectMember {
	return v1alpha1.ProjectMember{Kind: kind, Name: name, Role: role}
}

// ownedCluster has team-a (owners: User lead, Group leads; member dev; a system: group owner
// and a reserved name stored while the webhook was down), team-b (owner other) and System
// (a project-owner who is no cluster-owner, stored while the webhook was down, and root, who is).
func ownedCluster() *v1alpha1.ImportedCluster {
	ic := &v1alpha1.ImportedCluster{}
	ic.Name = "prod"
	ic.Spec.Members = []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "root", Role: v1alpha1.RoleOwner}, {Kind: v1alpha1.MemberUser, Name: "watcher", Role: v1alpha1.RoleMember}}
	ic.Spec.Projects = []v1alpha1.ProjectSpec{
		{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a-dev"}, Members: []v1alpha1.ProjectMember{
			pm(v1alpha1.MemberUser, "lead", v1alpha1.RoleProjectOwner), pm(v1alpha1.MemberGroup, "leads", v1alpha1.RoleProjectOwner),
			pm(v1alpha1.MemberUser, "dev", v1alpha1.RoleProjectMember), pm(v1alpha1.MemberGroup, "system:authenticated", v1alpha1.RoleProjectOwner),
			pm(v1alpha1.MemberUser, "kimport:hub:x", v1alpha1.RoleProjectOwner), pm(v1alpha1.MemberGroup, "viewers", v1alpha1.RoleReadOnly),
		}},
		{Name: "team-b", Members: []v1alpha1.ProjectMember{pm(v1alpha1.MemberUser, "other", v1alpha1.RoleProjectOwner)}},
		{Name: v1alpha1.ProjectSystem, Members: []v1alpha1.ProjectMember{
			pm(v1alpha1.MemberUser, "sneaky", v1alpha1.RoleProjectOwner), pm(v1alpha1.MemberUser, "root", v1alpha1.RoleProjectOwner)}},
	}
	ic.Status.Projects = []v1alpha1.Project{{Name: "Default", Namespaces: []string{"default"}}, {Name: "team-a", Namespaces: []string{"a-dev"}},
		{Name: "team-b", Namespaces: []string{"b-labelled"}}}
	return ic
}

func TestProjectOwner(t *testing.T) {
	ic := ownedCluster()
	for _, tc := range []struct {
		name    string
		project string
		caller  Caller
		cluster *v1alpha1.ImportedCluster
		refuse  string
	}{
		{name: "a User project-owner", project: "team-a", caller: Caller{Name: "lead"}},
		{name: "a project-owner through a Group", project: "team-a", caller: Caller{Name: "carol", Groups: []string{"system:authenticated", "leads"}}},
		{name: "the owner of System who is a cluster-owner", project: "System", caller: Caller{Name: "root"}},
		{name: "an owner of another project", project: "team-b", caller: Caller{Name: "lead", Groups: []string{"leads"}},
			refuse: "User lead is not a project-owner of project team-b of cluster prod, nor is any of its groups: only a project's owners may change its namespaces and members through the hub. " +
				"A project-owner of team-b, or whoever may update importedcluster prod in the hub, can make you one: kubectl import projects prod members team-b --add User:lead=project-owner"},
		{name: "a project-member", project: "team-a", caller: Caller{Name: "dev"}, refuse: "User dev is not a project-owner of project team-a"},
		{name: "a read-only member through a Group", project: "team-a", caller: Caller{Name: "v", Groups: []string{"viewers"}}, refuse: "User v is not a project-owner"},
		{name: "a cluster-owner is no project-owner", project: "team-a", caller: Caller{Name: "root"}, refuse: "User root is not a project-owner of project team-a"},
		{name: "a non-member", project: "team-a", caller: Caller{Name: "eve", Groups: []string{"system:authenticated"}}, refuse: "User eve is not a project-owner"},
		{name: "a system: group owner stored while the webhook was down counts for nothing", project: "team-a",
			caller: Caller{Name: "eve", Groups: []string{"system:authenticated", "system:masters"}}, refuse: "User eve is not a project-owner"},
		{name: "a System owner who is no cluster-owner counts for nothing", project: "System", caller: Caller{Name: "sneaky"}, refuse: "User sneaky is not a project-owner of project System"},
		{name: "a reserved name", project: "team-a", caller: Caller{Name: "kimport:hub:x"}, refuse: `cluster prod: user names starting with "kimport:"`},
		{name: "no name", project: "team-a", caller: Caller{Groups: []string{"leads"}}, refuse: "the request carries no user name"},
		{name: "a project that does not exist", project: "team-z", caller: Caller{Name: "lead"}, refuse: "User lead is not a project-owner of project team-z"},
		{name: "a cluster that does not exist", project: "team-a", caller: Caller{Name: "lead"}, cluster: &v1alpha1.ImportedCluster{}, refuse: "User lead is not a project-owner"},
		{name: "a name to quote", project: "team-a", caller: Caller{Name: "Carol O'Neil"},
			refuse: `User "Carol O'Neil" is not a project-owner of project team-a of cluster prod, nor is any of its groups: only a project's owners may change its namespaces and members through the hub. ` +
				`A project-owner of team-a, or whoever may update importedcluster prod in the hub, can make you one: kubectl import projects prod members team-a --add 'User:Carol O'\''Neil=project-owner'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ic
			if tc.cluster != nil {
				c = tc.cluster
			}
			err := ProjectOwner("prod", tc.project, c, tc.caller)
			checkRefusal(t, err, tc.refuse)
		})
	}
}

func checkRefusal(t *testing.T, err error, refuse string) {
	t.Helper()
	var r *Refusal
	switch {
	case refuse == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case refuse != "" && (!errors.As(err, &r) || !strings.Contains(r.Message, refuse)):
		t.Fatalf("got %v, want a refusal containing %q", err, refuse)
	}
}

func TestVisibleProjects(t *testing.T) {
	ic := ownedCluster()
	for _, tc := range []struct {
		name   string
		caller Caller
		want   []string
		refuse string
	}{
		{name: "a project-owner sees its project", caller: Caller{Name: "lead"}, want: []string{"team-a"}},
		{name: "a project-member too", caller: Caller{Name: "dev"}, want: []string{"team-a"}},
		{name: "a read-only member through a group too", caller: Caller{Name: "v", Groups: []string{"viewers"}}, want: []string{"team-a"}},
		{name: "a cluster member sees all, those status found included", caller: Caller{Name: "watcher"}, want: []string{"team-a", "team-b", "System", "Default"}},
		{name: "a System owner the rules refuse sees nothing of System", caller: Caller{Name: "sneaky"},
			refuse: "User sneaky is a member of no project of cluster prod, nor is any of its groups, and not a member of the cluster: a project's owners can add you (kubectl import projects prod members PROJECT --add User:sneaky=read-only)"},
		{name: "nobody through system: groups", caller: Caller{Name: "eve", Groups: []string{"system:authenticated"}}, refuse: "User eve is a member of no project"},
		{name: "a reserved name", caller: Caller{Name: "kimport:hub:x"}, refuse: "reserved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VisibleProjects("prod", ic, tc.caller)
			checkRefusal(t, err, tc.refuse)
			if tc.refuse == "" && !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := VisibleProjects("gone", nil, Caller{Name: "lead"}); err == nil || !strings.Contains(err.Error(), "User lead is a member of no project of cluster gone") {
		t.Fatalf("a cluster that does not exist: %v", err)
	}
}

func TestCheckProjectChange(t *testing.T) {
	ic := ownedCluster()
	if err := CheckProjectChange(ic, "team-a", gatewayapi.ProjectChange{AddNamespaces: []v1alpha1.NamespaceName{"a-new", "a-dev"}}); err != nil {
		t.Fatalf("a new namespace: %v", err)
	}
	err := CheckProjectChange(ic, "team-a", gatewayapi.ProjectChange{AddNamespaces: []v1alpha1.NamespaceName{"b-labelled"}})
	if want := "namespace b-labelled is in project team-b (it joined it by its label kimport.dev/project=team-b): " +
		"a namespace belongs to one project; whoever may change namespace b-labelled in the cluster can remove that label first"; err == nil || err.Error() != want {
		t.Fatalf("a namespace labelled into another project:\n got %v\nwant %s", err, want)
	}
	// Left to the webhook's rule Projects, whose refusal names the rule and the field.
	ic.Spec.Projects[1].Namespaces = []v1alpha1.NamespaceName{"b-labelled"}
	for _, ns := range []v1alpha1.NamespaceName{"default", "b-labelled"} {
		if err := CheckProjectChange(ic, "team-a", gatewayapi.ProjectChange{AddNamespaces: []v1alpha1.NamespaceName{ns}}); err != nil {
			t.Errorf("%s: %v, want it left to the webhook", ns, err)
		}
	}
}

// FuzzProjectOwner: whatever the members and the caller, ownership is granted only to a caller
// that a project-owner entry of that very project names (its user name, or one of its groups
// that is not a system: group), never to a reserved or empty name, and every refusal names
// the project and the cluster.
func FuzzProjectOwner(f *testing.F) {
	f.Add("lead", "leads,system:masters", "team-a", "team-a:User:lead:project-owner,team-b:Group:leads:project-owner")
	f.Add("eve", "system:authenticated", "team-a", "team-a:Group:system:authenticated:project-owner")
	f.Add("root", "", "System", "System:User:root:project-owner")
	f.Add("kimport:hub:x", "", "team-a", "team-a:User:kimport:hub:x:project-owner")
	f.Fuzz(func(t *testing.T, name, groups, project, memberList string) {
		ic := &v1alpha1.ImportedCluster{}
		ic.Spec.Members = []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "root", Role: v1alpha1.RoleOwner}}
		index := map[string]int{}
		for _, entry := range strings.Split(memberList, ",") {
			parts := strings.Split(entry, ":")
			if len(parts) < 4 {
				continue
			}
			p, kind, role := parts[0], parts[1], parts[len(parts)-1]
			n := strings.Join(parts[2:len(parts)-1], ":")
			i, ok := index[p]
			if !ok {
				i = len(ic.Spec.Projects)
				index[p] = i
				ic.Spec.Projects = append(ic.Spec.Projects, v1alpha1.ProjectSpec{Name: p})
			}
			ic.Spec.Projects[i].Members = append(ic.Spec.Projects[i].Members, pm(v1alpha1.MemberKind(kind), n, v1alpha1.ProjectRole(role)))
		}
		caller := Caller{Name: name, Groups: strings.Split(groups, ",")}
		err := ProjectOwner("c", project, ic, caller)
		if err != nil {
			var r *Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Message, "cluster c") {
				t.Fatalf("error %v is no refusal naming the cluster", err)
			}
			return
		}
		if name == "" || gatewayapi.Reserved(name) {
			t.Fatalf("owner by the name %q", name)
		}
		i, ok := index[project]
		if !ok {
			t.Fatalf("owner of project %q, which %+v lacks", project, ic.Spec.Projects)
		}
		if !slices.ContainsFunc(ic.Spec.Projects[i].Members, func(m v1alpha1.ProjectMember) bool {
			return m.Role == v1alpha1.RoleProjectOwner && ((m.Kind == v1alpha1.MemberUser && m.Name == name) ||
				(m.Kind == v1alpha1.MemberGroup && !strings.HasPrefix(m.Name, "system:") && slices.Contains(caller.Groups, m.Name)))
		}) {
			t.Fatalf("%+v owns %q with members %+v", caller, project, ic.Spec.Projects[i].Members)
		}
		if _, err := VisibleProjects("c", ic, caller); err != nil {
			t.Fatalf("an owner of %q sees no project: %v", project, err)
		}
	})
}
