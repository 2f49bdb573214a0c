package list

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

func TestListAgainstHub(t *testing.T) {
	hub := hubtest.Start(t)
	var now time.Time
	f := plugintest.Clock(func() time.Time { return now })

	t.Run("empty hub", func(t *testing.T) {
		r := plugintest.ExecuteWith(f, hub, NewCmd)
		if r.Error != nil || r.Out != "" || r.Err != "No imported clusters found.\n" {
			t.Errorf("got %+v", r)
		}
		var list v1alpha1.ImportedClusterList
		if err := json.Unmarshal([]byte(plugintest.ExecuteWith(f, hub, NewCmd, "-o", "json").Stdout(t)), &list); err != nil || len(list.Items) != 0 {
			t.Errorf("-o json on an empty hub: %+v, %v", list, err)
		}
	})

	// Created in reverse order: the table must still be sorted by name.
	hubtest.Create(t, hub.Client, hubtest.Beta())
	alpha := hubtest.Create(t, hub.Client, hubtest.Alpha(time.Now()))
	// Measured from the later creation: both ages read 10d even if the creations straddle a second.
	now = alpha.CreationTimestamp.Add(10 * 24 * time.Hour)

	t.Run("table", func(t *testing.T) {
		want := "" +
			"NAME    DISPLAY NAME   PHASE     DISTRIBUTION   VERSION        NODES    AGE\n" +
			"alpha   Alpha Prod     Active    k3s            v1.37.2+k3s1   7/8      10d\n" +
			"beta    beta           Pending   <none>         <none>         <none>   10d\n"
		for _, args := range [][]string{nil, {"ls"}} {
			c := NewCmd
			if args != nil { // the alias, through a parent command as the plugin registers it
				c = func(f common.Factory, s genericiooptions.IOStreams) *cobra.Command {
					root := &cobra.Command{Use: "kubectl-import"}
					root.AddCommand(NewCmd(f, s))
					return root
				}
			}
			if got := plugintest.ExecuteWith(f, hub, c, args...).Stdout(t); got != want {
				t.Errorf("%v: got\n%s\nwant\n%s", args, got, want)
			}
		}
	})

	t.Run("wide", func(t *testing.T) {
		want := "" +
			"NAME    DISPLAY NAME   PHASE     DISTRIBUTION   VERSION        NODES    CONTROL-PLANE   WORKERS   MODE     API SERVER                      CLUSTER ID                             AGE\n" +
			"alpha   Alpha Prod     Active    k3s            v1.37.2+k3s1   7/8      2/3             5/5       Direct   https://10.0.0.1:6443           3f1c2a9e-0000-4000-8000-00000000a1fa   10d\n" +
			"beta    beta           Pending   <none>         <none>         <none>   <none>          <none>    Direct   https://beta.example.com:6443   7d2e4b10-0000-4000-8000-0000000000be   10d\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "wide").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("name", func(t *testing.T) {
		want := "importedcluster.kimport.dev/alpha\nimportedcluster.kimport.dev/beta\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "name").Stdout(t); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("json and yaml", func(t *testing.T) {
		for _, format := range []string{"json", "yaml"} {
			var list v1alpha1.ImportedClusterList
			out := plugintest.ExecuteWith(f, hub, NewCmd, "-o", format).Stdout(t)
			if err := yaml.UnmarshalStrict([]byte(out), &list); err != nil {
				t.Fatalf("%s: %v\n%s", format, err, out)
			}
			if list.APIVersion != "kimport.dev/v1alpha1" || list.Kind != "ImportedClusterList" || len(list.Items) != 2 {
				t.Fatalf("%s: got %s/%s with %d items", format, list.APIVersion, list.Kind, len(list.Items))
			}
			got := list.Items[0]
			if got.Name != "alpha" || got.Kind != "ImportedCluster" || got.APIVersion != "kimport.dev/v1alpha1" ||
				got.UID != alpha.UID || got.Status.Nodes.ControlPlane.NotReady[0] != "alpha-server-2" || len(got.ManagedFields) != 0 {
				t.Errorf("%s: first item = %+v", format, got)
			}
			if list.Items[1].Name != "beta" {
				t.Errorf("%s: second item = %s", format, list.Items[1].Name)
			}
		}
	})

	t.Run("selector", func(t *testing.T) {
		if r := plugintest.ExecuteWith(f, hub, NewCmd, "-l", "env=none"); r.Error != nil || r.Out != "" || r.Err != "No imported clusters found.\n" {
			t.Errorf("got %+v", r)
		}
		plugintest.ExecuteWith(f, hub, NewCmd, "-l", "=bad").Failed(t,
			`invalid --selector (-l) "=bad": found '=', expected: !, identifier, or 'end of string'`)
	})

	t.Run("jsonpath", func(t *testing.T) {
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "jsonpath={.items[*].metadata.name}").Stdout(t); got != "alpha beta" {
			t.Errorf("got %q, want exactly the names", got)
		}
		want := "alpha\tActive\nbeta\tPending\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", `jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}`).Stdout(t); got != want {
			t.Errorf("range: got %q, want %q", got, want)
		}
		want = "[\n    \"alpha\",\n    \"beta\"\n]\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "jsonpath-as-json={.items[*].metadata.name}").Stdout(t); got != want {
			t.Errorf("jsonpath-as-json: got %q, want %q", got, want)
		}
		file := filepath.Join(t.TempDir(), "names.jsonpath")
		if err := os.WriteFile(file, []byte("{.items[0].metadata.name}"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "jsonpath-file="+file).Stdout(t); got != "alpha" {
			t.Errorf("jsonpath-file: got %q", got)
		}
	})

	t.Run("custom-columns", func(t *testing.T) {
		want := "" +
			"NAME    PHASE\n" +
			"alpha   Active\n" +
			"beta    Pending\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "custom-columns=NAME:.metadata.name,PHASE:.status.phase").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "custom-columns=NAME:.metadata.name,PHASE:.status.phase", "--no-headers").Stdout(t); got != "alpha   Active\nbeta    Pending\n" {
			t.Errorf("--no-headers: got %q", got)
		}
		file := filepath.Join(t.TempDir(), "columns")
		if err := os.WriteFile(file, []byte("NAME PHASE\n.metadata.name .status.phase\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "custom-columns-file="+file).Stdout(t); got != want {
			t.Errorf("custom-columns-file: got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("no-headers", func(t *testing.T) {
		want := "" +
			"alpha   Alpha Prod   Active    k3s      v1.37.2+k3s1   7/8      10d\n" +
			"beta    beta         Pending   <none>   <none>         <none>   10d\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "--no-headers").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
		out := plugintest.ExecuteWith(f, hub, NewCmd, "--no-headers", "-o", "wide").Stdout(t)
		if strings.Contains(out, "NAME") || !strings.HasPrefix(out, "alpha ") || !strings.Contains(out, "3f1c2a9e-0000-4000-8000-00000000a1fa") {
			t.Errorf("-o wide --no-headers: got\n%s", out)
		}
	})

	t.Run("go-template", func(t *testing.T) {
		want := "alpha=Active;beta=Pending;"
		tmpl := "{{range .items}}{{.metadata.name}}={{.status.phase}};{{end}}"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "go-template="+tmpl).Stdout(t); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "go-template", "--template", tmpl).Stdout(t); got != want {
			t.Errorf("--template: got %q, want %q", got, want)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "--template", tmpl).Stdout(t); got != want {
			t.Errorf("--template without -o: got %q, want %q", got, want)
		}
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "yaml", "--show-managed-fields").Stdout(t); !strings.Contains(got, "managedFields:") {
			t.Errorf("--show-managed-fields: no managedFields in\n%s", got)
		}
	})

	t.Run("registration waiting for join", func(t *testing.T) {
		waiting := hubtest.Create(t, hub.Client, hubtest.Waiting(time.Time{}))
		now = waiting.CreationTimestamp.Add(24 * time.Hour)
		want := "" +
			"NAME      DISPLAY NAME   PHASE     DISTRIBUTION   VERSION        NODES    CONTROL-PLANE   WORKERS   MODE     API SERVER                      CLUSTER ID                             AGE\n" +
			"alpha     Alpha Prod     Active    k3s            v1.37.2+k3s1   7/8      2/3             5/5       Direct   https://10.0.0.1:6443           3f1c2a9e-0000-4000-8000-00000000a1fa   24h\n" +
			"beta      beta           Pending   <none>         <none>         <none>   <none>          <none>    Direct   https://beta.example.com:6443   7d2e4b10-0000-4000-8000-0000000000be   24h\n" +
			"waiting   waiting        Pending   <none>         <none>         <none>   <none>          <none>    Direct   <waiting for join>              <waiting for join>                     24h\n"
		if got := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "wide").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("agent mode", func(t *testing.T) {
		edge := hubtest.Create(t, hub.Client, hubtest.Edge(time.Now()))
		now = edge.CreationTimestamp.Add(time.Hour)
		out := plugintest.ExecuteWith(f, hub, NewCmd, "-o", "wide").Stdout(t)
		lines := strings.Split(out, "\n")
		if len(lines) != 6 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasSuffix(lines[0], "   AGE") {
			t.Fatalf("got\n%s", out)
		}
		want := "edge      edge           Active    k3s            v1.37.2+k3s1   <none>   <none>          <none>    Agent    https://10.0.9.1:6443           5a0b9c3d-0000-4000-8000-0000000ed9e1   60m"
		if lines[3] != want {
			t.Errorf("edge row:\n%q\nwant\n%q\nin\n%s", lines[3], want, out)
		}
		// The default table has no MODE column.
		if out := plugintest.ExecuteWith(f, hub, NewCmd).Stdout(t); strings.Contains(out, "MODE") || strings.Contains(out, "Agent") {
			t.Errorf("default table:\n%s", out)
		}
	})

	t.Run("bad output", func(t *testing.T) {
		plugintest.ExecuteWith(f, hub, NewCmd, "-o", "table").Failed(t,
			`unsupported --output (-o) value "table": use one of json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide, or omit it for human-readable output`)
		plugintest.ExecuteWith(f, hub, NewCmd, "-o", "jsonpath={.items[").Failed(t,
			`--output (-o) "jsonpath={.items[": error parsing jsonpath {.items[, unterminated array`)
		plugintest.ExecuteWith(f, hub, NewCmd, "-o", "custom-columns=NAME").Failed(t,
			`--output (-o) "custom-columns=NAME": unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>`)
		plugintest.ExecuteWith(f, hub, NewCmd, "extra").Failed(t, `unknown command "extra" for "list"`)
	})
}

func TestListWithoutHub(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := NewCmd(common.NewFactory(), streams)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs([]string{})
	err := cmd.Execute()
	if err == nil || err.Error() != common.ErrNoHub.Error() || out.Len() != 0 {
		t.Errorf("error = %v, stdout %q, stderr %q", err, out, errOut)
	}
}
