package members

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestMembersAgainstHub(t *testing.T) {
	hub := hubtest.Start(t)
	hubtest.Create(t, hub.Client, hubtest.Alpha(time.Now()))
	hubtest.Create(t, hub.Client, hubtest.Beta())
	ctx := context.Background()
	members := func(t *testing.T, name string) []v1alpha1.Member {
		t.Helper()
		ic := &v1alpha1.ImportedCluster{}
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: name}, ic); err != nil {
			t.Fatal(err)
		}
		return ic.Spec.Members
	}
	expectMembers := func(t *testing.T, name string, want ...v1alpha1.Member) {
		t.Helper()
		if got := members(t, name); !slices.Equal(got, want) {
			t.Errorf("spec.members of %s = %+v, want %+v", name, got, want)
		}
	}
	aliceOwner := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice@example.com", Role: v1alpha1.RoleOwner}
	sre := v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleMember}
	bob := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "bob", Role: v1alpha1.RoleMember}

	t.Run("show", func(t *testing.T) {
		want := "" +
			"NAME                KIND    ROLE             DOWNSTREAM ROLE\n" +
			"alice@example.com   User    cluster-owner    cluster-admin\n" +
			"sre                 Group   cluster-member   view\n"
		if got := plugintest.Execute(hub, NewCmd, "alpha").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
		r := plugintest.Execute(hub, NewCmd, "beta")
		if r.Error != nil || r.Out != "" || r.Err != "No members in importedcluster \"beta\"; add one with --add KIND:NAME=ROLE.\n" {
			t.Errorf("no members: %+v", r)
		}
		if got := plugintest.Execute(hub, NewCmd, "alpha", "-o", "jsonpath={.spec.members[*].name}").Stdout(t); got != "alice@example.com sre" {
			t.Errorf("-o jsonpath: got %q", got)
		}
		if got := plugintest.Execute(hub, NewCmd, "alpha", "--no-headers").Stdout(t); got != want[strings.Index(want, "\n")+1:] {
			t.Errorf("--no-headers: got\n%s", got)
		}
		cc := "custom-columns=NAME:.metadata.name,MEMBERS:.spec.members[*].name"
		if got := plugintest.Execute(hub, NewCmd, "alpha", "-o", cc).Stdout(t); got != "NAME    MEMBERS\nalpha   alice@example.com,sre\n" {
			t.Errorf("-o custom-columns: got %q", got)
		}
		var ic v1alpha1.ImportedCluster
		if err := yaml.UnmarshalStrict([]byte(plugintest.Execute(hub, NewCmd, "alpha", "-o", "json").Stdout(t)), &ic); err != nil ||
			ic.Kind != "ImportedCluster" || len(ic.Spec.Members) != 2 {
			t.Errorf("-o json: %+v, %v", ic, err)
		}
	})

	t.Run("add remove converge", func(t *testing.T) {
		steps := []struct {
			args []string
			out  string
			want []v1alpha1.Member
		}{
			{[]string{"--add", "User:bob=cluster-member"}, "importedcluster.kimport.dev/beta configured\n", []v1alpha1.Member{bob}},
			{[]string{"--add", "user:bob=cluster-member"}, "importedcluster.kimport.dev/beta unchanged\n", []v1alpha1.Member{bob}},
			{[]string{"--add", "Group:sre=cluster-member", "--add", "User:bob=cluster-owner"}, "importedcluster.kimport.dev/beta configured\n",
				[]v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "bob", Role: v1alpha1.RoleOwner}, sre}},
			{[]string{"--remove", "User:bob", "-o", "name"}, "importedcluster.kimport.dev/beta\n", []v1alpha1.Member{sre}},
			{[]string{"--remove", "Group:sre"}, "importedcluster.kimport.dev/beta configured\n", nil},
		}
		for _, s := range steps {
			if got := plugintest.Execute(hub, NewCmd, append([]string{"beta"}, s.args...)...).Stdout(t); got != s.out {
				t.Errorf("%v: printed %q, want %q", s.args, got, s.out)
			}
			expectMembers(t, "beta", s.want...)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"--add", "User:bob=cluster-member", "--add", "Robot:r2=cluster-owner"},
				`invalid --add "Robot:r2=cluster-owner": unknown kind "Robot", want one of User, Group`},
			{[]string{"--add", "User:bob=admin"},
				`invalid --add "User:bob=admin": unknown role "admin", want one of cluster-owner, cluster-member`},
			{[]string{"--add", "Group:system:authenticated=cluster-owner"},
				`invalid --add "Group:system:authenticated=cluster-owner": Group system:authenticated stands for every authenticated identity of the downstream: ` +
					`giving it cluster-owner makes everyone cluster-admin; name the users or groups that need access`},
			{[]string{"--add", "User:bob=cluster-member", "--remove", "User:carol"},
				`importedcluster "alpha": --remove User:carol: not a member (members: User:alice@example.com=cluster-owner, Group:sre=cluster-member)`},
			{[]string{"--dry-run=maybe", "--add", "User:bob=cluster-member"}, `invalid --dry-run value "maybe": use one of none, client, server`},
			{[]string{"--dry-run"}, `--dry-run needs a change: pass --add KIND:NAME=ROLE or --remove KIND:NAME`},
			{[]string{"-o", "wide"}, `unsupported --output (-o) value "wide": use one of json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, or omit it for human-readable output`},
			{[]string{"--bogus"}, `unknown flag: --bogus`},
		}
		for _, c := range cases {
			plugintest.Execute(hub, NewCmd, append([]string{"alpha"}, c.args...)...).Failed(t, c.want)
			expectMembers(t, "alpha", aliceOwner, sre)
		}
		plugintest.Execute(hub, NewCmd, "gamma", "--add", "User:bob=cluster-member").Failed(t,
			`importedcluster "gamma" not found (list them with 'kubectl import list')`)
	})

	t.Run("a member the hub refuses can be removed", func(t *testing.T) {
		// Stored while the webhook was down (this hub has none).
		everyone := v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "system:authenticated", Role: v1alpha1.RoleOwner}
		ic := hubtest.Beta()
		ic.Name, ic.Spec.CredentialsSecretRef.Name = "delta", v1alpha1.CredentialsSecretName("delta")
		ic.Spec.Members = []v1alpha1.Member{everyone, bob}
		hubtest.Create(t, hub.Client, ic)
		if got := plugintest.Execute(hub, NewCmd, "delta", "--remove", "Group:system:authenticated").Stdout(t); got != "importedcluster.kimport.dev/delta configured\n" {
			t.Errorf("printed %q", got)
		}
		expectMembers(t, "delta", bob)
	})

	t.Run("dry run", func(t *testing.T) {
		for _, mode := range []string{"client", "server"} {
			var ic v1alpha1.ImportedCluster
			out := plugintest.Execute(hub, NewCmd, "alpha", "--dry-run="+mode, "-o", "yaml", "--add", "User:bob=cluster-member", "--remove", "Group:sre").Stdout(t)
			if err := yaml.UnmarshalStrict([]byte(out), &ic); err != nil {
				t.Fatalf("%s: %v\n%s", mode, err, out)
			}
			if ic.APIVersion != "kimport.dev/v1alpha1" || ic.Kind != "ImportedCluster" || !slices.Equal(ic.Spec.Members, []v1alpha1.Member{aliceOwner, bob}) {
				t.Errorf("%s: printed %s/%s members %+v", mode, ic.APIVersion, ic.Kind, ic.Spec.Members)
			}
			expectMembers(t, "alpha", aliceOwner, sre)
		}
		if got := plugintest.Execute(hub, NewCmd, "alpha", "--dry-run=server", "--add", "User:bob=cluster-member").Stdout(t); got != "importedcluster.kimport.dev/alpha configured (server dry run)\n" {
			t.Errorf("server dry run printed %q", got)
		}
		if got := plugintest.Execute(hub, NewCmd, "alpha", "--dry-run", "--add", "Group:sre=cluster-member").Stdout(t); got != "importedcluster.kimport.dev/alpha unchanged (dry run)\n" {
			t.Errorf("client dry run printed %q", got)
		}
		expectMembers(t, "alpha", aliceOwner, sre)
	})

	t.Run("retries on conflict", func(t *testing.T) {
		// Between this command's read and its write, someone else changes the object: the API
		// server refuses the stale write and the command must re-read and apply its edit again.
		f, raced, err := plugintest.Raced(hub.Config, func(ic *v1alpha1.ImportedCluster) { ic.Spec.DisplayName = "changed meanwhile" })
		if err != nil {
			t.Fatal(err)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "alpha", "--add", "User:bob=cluster-member").Stdout(t); got != "importedcluster.kimport.dev/alpha configured\n" {
			t.Errorf("printed %q", got)
		}
		ic := &v1alpha1.ImportedCluster{}
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "alpha"}, ic); err != nil {
			t.Fatal(err)
		}
		if !raced() || ic.Spec.DisplayName != "changed meanwhile" || !slices.Equal(ic.Spec.Members, []v1alpha1.Member{aliceOwner, sre, bob}) {
			t.Errorf("raced=%v displayName=%q members=%+v", raced(), ic.Spec.DisplayName, ic.Spec.Members)
		}
	})
}
