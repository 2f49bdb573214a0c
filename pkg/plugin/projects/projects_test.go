package projects

import (
	"context"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestProjectsAgainstHub(t *testing.T) {
	hub := hubtest.Start(t)
	alpha := hubtest.Create(t, hub.Client, hubtest.Alpha(time.Now()))
	hubtest.Create(t, hub.Client, hubtest.Beta())
	ctx := context.Background()
	spec := func(t *testing.T, name string) []v1alpha1.ProjectSpec {
		t.Helper()
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
			t.Fatal(err)
		}
		return ic.Spec.Projects
	}
	expectSpec := func(t *testing.T, name string, want string) {
		t.Helper()
		got, err := yaml.Marshal(spec(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("spec.projects of %s:\n%s\nwant\n%s", name, got, want)
		}
	}
	run := func(args ...string) plugintest.Result { return plugintest.Execute(hub, NewCmd, args...) }

	t.Run("table", func(t *testing.T) {
		want := "" +
			"NAME      NAMESPACES                              MEMBERS\n" +
			"Default   default                                 <none>\n" +
			"System    cattle-system,kube-public,kube-system   <none>\n"
		if got := run("alpha").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("none yet", func(t *testing.T) {
		r := run("beta")
		want := "No projects assigned to importedcluster \"beta\" yet (phase Pending); the hub assigns them once it reaches the cluster.\n"
		if r.Error != nil || r.Out != "" || r.Err != want {
			t.Errorf("got %+v", r)
		}
	})

	t.Run("json yaml name", func(t *testing.T) {
		for _, format := range []string{"json", "yaml"} {
			var got v1alpha1.ImportedCluster
			out := run("alpha", "-o", format).Stdout(t)
			if err := yaml.UnmarshalStrict([]byte(out), &got); err != nil {
				t.Fatalf("%s: %v\n%s", format, err, out)
			}
			if got.Kind != "ImportedCluster" || got.APIVersion != "kimport.dev/v1alpha1" || got.UID != alpha.UID ||
				len(got.Status.Projects) != 2 || got.Status.Projects[1].Namespaces[2] != "kube-system" {
				t.Errorf("%s: got %+v", format, got)
			}
		}
		if got := run("alpha", "-o", "name").Stdout(t); got != "importedcluster.kimport.dev/alpha\n" {
			t.Errorf("-o name: %q", got)
		}
	})

	t.Run("create, add, move, members, delete converge", func(t *testing.T) {
		steps := []struct {
			args []string
			out  string
		}{
			// The order (NAME first) and the subcommand's own (NAME after it).
			{[]string{"alpha", "create", "team-a", "--namespace", "a-prod", "--namespace", "a-dev", "--member", "Group:team-a=project-member"}, "importedcluster.kimport.dev/alpha configured\n"},
			{[]string{"create", "alpha", "team-a", "--namespace", "a-dev", "--member", "group:team-a=project-member"}, "importedcluster.kimport.dev/alpha unchanged\n"},
			{[]string{"alpha", "create", "team-b"}, "importedcluster.kimport.dev/alpha configured\n"},
			{[]string{"alpha", "add-namespace", "team-b", "b-prod", "shared"}, "importedcluster.kimport.dev/alpha configured\n"},
			{[]string{"alpha", "add-namespace", "team-b", "b-prod"}, "importedcluster.kimport.dev/alpha unchanged\n"},
			{[]string{"alpha", "remove-namespace", "team-b", "shared", "-o", "name"}, "importedcluster.kimport.dev/alpha\n"},
			{[]string{"alpha", "members", "team-b", "--add", "User:dana=project-owner", "--add", "Group:auditors=read-only"}, "importedcluster.kimport.dev/alpha configured\n"},
			{[]string{"alpha", "members", "team-b", "--add", "User:dana=project-member", "--remove", "Group:auditors"}, "importedcluster.kimport.dev/alpha configured\n"},
			{[]string{"alpha", "members", "System", "--add", "Group:auditors=read-only"}, "importedcluster.kimport.dev/alpha configured\n"},
			{[]string{"alpha", "add-namespace", "System", "cert-manager"}, "importedcluster.kimport.dev/alpha configured\n"},
		}
		for _, s := range steps {
			if got := run(s.args...).Stdout(t); got != s.out {
				t.Errorf("%v: printed %q, want %q", s.args, got, s.out)
			}
		}
		expectSpec(t, "alpha", `- members:
  - kind: Group
    name: team-a
    role: project-member
  name: team-a
  namespaces:
  - a-dev
  - a-prod
- members:
  - kind: User
    name: dana
    role: project-member
  name: team-b
  namespaces:
  - b-prod
- members:
  - kind: Group
    name: auditors
    role: read-only
  name: System
  namespaces:
  - cert-manager
`)
		want := "" +
			"NAME      NAMESPACES                                                     MEMBERS\n" +
			"Default   default                                                        <none>\n" +
			"System    cattle-system,kube-public,kube-system,cert-manager (pending)   Group:auditors=read-only\n" +
			"team-a    a-dev (pending),a-prod (pending)                               Group:team-a=project-member\n" +
			"team-b    b-prod (pending)                                               User:dana=project-member\n"
		if got := run("alpha").Stdout(t); got != want {
			t.Errorf("table:\n%s\nwant\n%s", got, want)
		}
		if got := run("alpha", "members", "team-b").Stdout(t); got != "NAME   KIND   ROLE             DOWNSTREAM ROLE\ndana   User   project-member   edit\n" {
			t.Errorf("members table: %q", got)
		}
		if got := run("alpha", "delete", "team-b").Stdout(t); got != "importedcluster.kimport.dev/alpha configured\n" {
			t.Errorf("delete printed %q", got)
		}
		if names := projectNames(spec(t, "alpha")); !slices.Equal(names, []string{"team-a", "System"}) {
			t.Errorf("projects after delete: %v", names)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		before := spec(t, "alpha")
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"alpha", "create", "Team_C"}, `invalid PROJECT "Team_C": a project name is Default, System or a DNS label (lowercase letters, digits and '-', at most 63): ` +
				`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
			{[]string{"alpha", "create", "system"}, `invalid PROJECT "system": system is how namespaces of project System are labelled: write System to give that project namespaces or members, or choose another name`},
			{[]string{"alpha", "create", "System"}, `importedcluster "alpha": project System always exists: give it namespaces with 'kubectl import projects alpha add-namespace System NAMESPACE' ` +
				`and members with 'kubectl import projects alpha members System --add KIND:NAME=ROLE'`},
			{[]string{"alpha", "create", "team-a", "--namespace", "other"}, `importedcluster "alpha": project "team-a" exists already in importedcluster "alpha", with namespaces a-dev, a-prod ` +
				`and members Group:team-a=project-member: change it with 'kubectl import projects alpha add-namespace team-a NAMESPACE' or 'kubectl import projects alpha members team-a --add KIND:NAME=ROLE'`},
			{[]string{"alpha", "create", "team-c", "--namespace", "Bad_NS"}, `invalid --namespace "Bad_NS": not a namespace name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', ` +
				`and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
			{[]string{"alpha", "create", "team-c", "--member", "Group:system:authenticated=read-only"}, `invalid --member "Group:system:authenticated=read-only": ` +
				`Group system:authenticated stands for every authenticated identity of the downstream: giving it read-only makes everyone a viewer (view) of every namespace of project team-c; name the users or groups that need access`},
			{[]string{"alpha", "create", "team-c", "--member", "User:dana=cluster-owner"}, `invalid --member "User:dana=cluster-owner": unknown role "cluster-owner", want one of project-owner, project-member, read-only`},
			{[]string{"alpha", "create", "team-c", "--member", "User:kimport:hub:x=read-only"}, `invalid --member "User:kimport:hub:x=read-only": User kimport:hub:x starts with kimport:, ` +
				`which is reserved for the identities the hub gateway acts as in a downstream: a role for it would reach whoever the gateway acts as under that name, not whom you mean; name the user or group itself`},
			{[]string{"alpha", "add-namespace", "team-z", "z"}, `importedcluster "alpha": project "team-z" not found in importedcluster "alpha" (projects: Default, System, team-a); ` +
				`create it with 'kubectl import projects alpha create team-z'`},
			{[]string{"alpha", "add-namespace", "team-a"}, `NAME, PROJECT and a NAMESPACE are required (got 2 argument(s)): usage: projects add-namespace NAME PROJECT NAMESPACE... [flags]`},
			{[]string{"alpha", "remove-namespace", "team-a", "b-prod"}, `importedcluster "alpha": namespace b-prod is not listed in project team-a (it lists a-dev, a-prod); ` +
				`a namespace that joined by its label kimport.dev/project=team-a leaves when that label is removed in the cluster`},
			{[]string{"alpha", "remove-namespace", "System", "kube-system"}, `importedcluster "alpha": namespace kube-system always belongs to project System: it cannot leave it`},
			{[]string{"alpha", "members", "team-a", "--remove", "User:nobody"}, `importedcluster "alpha": --remove User:nobody: not a member of project team-a (members: Group:team-a=project-member)`},
			{[]string{"alpha", "members", "team-a", "--add", "User:dana=read-only", "--remove", "User:dana"}, `--remove "User:dana" conflicts with --add User:dana=read-only: give each member one change`},
			{[]string{"alpha", "members", "team-a", "--dry-run"}, `--dry-run needs a change: pass --add KIND:NAME=ROLE or --remove KIND:NAME`},
			{[]string{"alpha", "delete", "Default"}, `importedcluster "alpha": project Default always exists: remove its members with 'kubectl import projects alpha members Default --remove KIND:NAME' ` +
				`and its namespaces with 'kubectl import projects alpha remove-namespace Default NAMESPACE'`},
			{[]string{"alpha", "delete", "team-z"}, `importedcluster "alpha": project "team-z" not found in importedcluster "alpha" (projects: Default, System, team-a); create it with 'kubectl import projects alpha create team-z'`},
			{[]string{"alpha", "delete", "team-a", "--dry-run=maybe"}, `invalid --dry-run value "maybe": use one of none, client, server`},
			{[]string{"alpha", "delete", "team-a", "-o", "wide"}, `unsupported --output (-o) value "wide": use one of json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, or omit it for human-readable output`},
			{[]string{"gamma", "create", "team-a"}, `importedcluster "gamma" not found (list them with 'kubectl import list')`},
		}
		for _, c := range cases {
			run(c.args...).Failed(t, c.want)
			if now := spec(t, "alpha"); !slices.EqualFunc(now, before, func(a, b v1alpha1.ProjectSpec) bool {
				return a.Name == b.Name && slices.Equal(a.Namespaces, b.Namespaces) && slices.Equal(a.Members, b.Members)
			}) {
				t.Fatalf("%v changed spec.projects: %+v", c.args, now)
			}
		}
	})

	t.Run("dry run", func(t *testing.T) {
		before := spec(t, "alpha")
		for _, mode := range []string{"client", "server"} {
			var ic v1alpha1.ImportedCluster
			out := run("alpha", "create", "team-d", "--namespace", "d", "--dry-run="+mode, "-o", "yaml").Stdout(t)
			if err := yaml.UnmarshalStrict([]byte(out), &ic); err != nil {
				t.Fatalf("%s: %v\n%s", mode, err, out)
			}
			if ic.Kind != "ImportedCluster" || len(ic.Spec.Projects) != 3 || ic.Spec.Projects[2].Name != "team-d" {
				t.Errorf("%s: printed projects %+v", mode, ic.Spec.Projects)
			}
		}
		if got := run("alpha", "delete", "team-a", "--dry-run=server").Stdout(t); got != "importedcluster.kimport.dev/alpha configured (server dry run)\n" {
			t.Errorf("server dry run printed %q", got)
		}
		if got := run("alpha", "add-namespace", "team-a", "a-dev", "--dry-run").Stdout(t); got != "importedcluster.kimport.dev/alpha unchanged (dry run)\n" {
			t.Errorf("client dry run printed %q", got)
		}
		if now := spec(t, "alpha"); len(now) != len(before) {
			t.Errorf("a dry run changed spec.projects: %+v", now)
		}
	})
}

// TestRetriesOnConflict: between the command's read and its write someone else changes the
// record; the API server refuses the stale write and the command applies its edit again.
func TestRetriesOnConflict(t *testing.T) {
	hub := hubtest.Start(t)
	hubtest.Create(t, hub.Client, hubtest.Alpha(time.Now()))
	ctx := context.Background()
	f, raced, err := plugintest.Raced(hub.Config, func(ic *v1alpha1.ImportedCluster) {
		ic.Spec.Projects = append(ic.Spec.Projects, v1alpha1.ProjectSpec{Name: "meanwhile"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := plugintest.ExecuteWith(f, hub, NewCmd, "alpha", "create", "team-a", "--namespace", "a").Stdout(t); got != "importedcluster.kimport.dev/alpha configured\n" {
		t.Errorf("printed %q", got)
	}
	var ic v1alpha1.ImportedCluster
	if err := hub.Client.Get(ctx, client.ObjectKey{Name: "alpha"}, &ic); err != nil {
		t.Fatal(err)
	}
	if names := projectNames(ic.Spec.Projects); !raced() || !slices.Equal(names, []string{"meanwhile", "team-a"}) {
		t.Errorf("raced=%v projects=%v", raced(), names)
	}
}

func projectNames(projects []v1alpha1.ProjectSpec) []string {
	var out []string
	for _, p := range projects {
		out = append(out, p.Name)
	}
	return out
}
