package projects

import (
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestProjectsAgainstHub(t *testing.T) {
	hub := hubtest.Start(t)
	alpha := hubtest.Create(t, hub.Client, hubtest.Alpha(time.Now()))
	hubtest.Create(t, hub.Client, hubtest.Beta())

	t.Run("table", func(t *testing.T) {
		want := "" +
			"NAME      NAMESPACES\n" +
			"Default   default\n" +
			"System    cattle-system,kube-public,kube-system\n"
		if got := plugintest.Execute(hub, NewCmd, "alpha").Stdout(t); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("none yet", func(t *testing.T) {
		r := plugintest.Execute(hub, NewCmd, "beta")
		want := "No projects assigned to importedcluster \"beta\" yet (phase Pending); the hub assigns them once it reaches the cluster.\n"
		if r.Error != nil || r.Out != "" || r.Err != want {
			t.Errorf("got %+v", r)
		}
	})

	t.Run("json yaml name", func(t *testing.T) {
		for _, format := range []string{"json", "yaml"} {
			var got v1alpha1.ImportedCluster
			out := plugintest.Execute(hub, NewCmd, "alpha", "-o", format).Stdout(t)
			if err := yaml.UnmarshalStrict([]byte(out), &got); err != nil {
				t.Fatalf("%s: %v\n%s", format, err, out)
			}
			if got.Kind != "ImportedCluster" || got.APIVersion != "kimport.dev/v1alpha1" || got.UID != alpha.UID ||
				len(got.Status.Projects) != 2 || got.Status.Projects[1].Namespaces[2] != "kube-system" {
				t.Errorf("%s: got %+v", format, got)
			}
		}
		if got := plugintest.Execute(hub, NewCmd, "alpha", "-o", "name").Stdout(t); got != "importedcluster.kimport.dev/alpha\n" {
			t.Errorf("-o name: %q", got)
		}
	})

	t.Run("errors", func(t *testing.T) {
		plugintest.Execute(hub, NewCmd, "gamma").Failed(t, `importedcluster "gamma" not found (list them with 'kubectl import list')`)
		plugintest.Execute(hub, NewCmd).Failed(t, `NAME is required: usage: projects NAME [flags]`)
		plugintest.Execute(hub, NewCmd, "alpha", "-o", "csv").Failed(t,
			`unsupported --output (-o) value "csv": use one of json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, or omit it for human-readable output`)
	})
}
