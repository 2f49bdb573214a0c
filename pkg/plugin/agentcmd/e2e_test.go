package agentcmd

import (
	"context"
	"io"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// TestAgentUpgradeAgainstRealClusters runs `kubectl import agent upgrade` against a real hub
// and a real downstream whose agent Deployment was applied as the import applies it: the
// refusals change nothing, both dry runs change nothing, the upgrade changes the container's
// image and nothing else the import set, and a second run says unchanged.
func TestAgentUpgradeAgainstRealClusters(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub", HubCRDs: true}, testenv.Options{Name: "ds"})
	hub, ds := clusters[0], clusters[1]
	ctx := context.Background()

	// The downstream as an agent-mode import leaves it.
	if err := ds.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace}}); err != nil {
		t.Fatal(err)
	}
	applied := agent.Deployment(agent.DeploymentOptions{Cluster: "edge", Image: old, CAChecksum: "sha256:00",
		Env: []corev1.EnvVar{{Name: "HTTPS_PROXY", Value: "http://proxy:3128"}}})
	if _, err := importer.Apply(ctx, ds.Client, applied, io.Discard); err != nil {
		t.Fatal(err)
	}
	uid, err := importer.KubeSystemUID(ctx, ds.Client)
	if err != nil {
		t.Fatal(err)
	}
	hubtest.Create(t, hub.Client, importedCluster("edge", v1alpha1.ModeAgent, uid))
	hubtest.Create(t, hub.Client, importedCluster("direct", v1alpha1.ModeDirect, "33333333-0000-4000-8000-000000000d1e"))
	hubtest.Create(t, hub.Client, importedCluster("other", v1alpha1.ModeAgent, otherID))

	deployment := func() *appsv1.Deployment {
		t.Helper()
		var d appsv1.Deployment
		if err := ds.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentDeployment}, &d); err != nil {
			t.Fatal(err)
		}
		return &d
	}
	image := func() string { return deployment().Spec.Template.Spec.Containers[0].Image }
	run := func(args ...string) plugintest.Result {
		return plugintest.Execute(hub, NewCmd, append([]string{"upgrade"}, append(args, "--kubeconfig", ds.Kubeconfig)...)...)
	}

	t.Run("refusals change nothing", func(t *testing.T) {
		run("direct").Failed(t, "direct is imported in direct mode: no agent runs in it (the hub reaches its API server itself); 'kubectl import agent upgrade' applies to clusters imported with --mode agent")
		run("other", "--context", "ds").Failed(t, "the downstream of --context ds ("+ds.Config.Host+") is not other: its kube-system namespace UID is "+uid+
			", but other has spec.clusterID "+otherID+"; choose other's cluster with --context or --kubeconfig")
		if got := image(); got != old {
			t.Errorf("image = %s after refusals", got)
		}
	})

	def := agent.DefaultImage(version.Version)
	t.Run("dry runs change nothing", func(t *testing.T) {
		for strategy, suffix := range map[string]string{"client": "(dry run)", "server": "(server dry run)"} {
			out := run("edge", "--dry-run="+strategy).Stdout(t)
			if want := "deployment.apps/kimport-agent image updated " + suffix + " (-n cattle-system, " + def + ")\n"; out != want {
				t.Errorf("--dry-run=%s: got %q, want %q", strategy, out, want)
			}
		}
		if got := image(); got != old {
			t.Errorf("image = %s after dry runs", got)
		}
	})

	t.Run("upgrade sets the image only", func(t *testing.T) {
		before := deployment()
		if out, want := run("edge").Stdout(t), "deployment.apps/kimport-agent image updated (-n cattle-system, "+def+")\n"; out != want {
			t.Errorf("got %q, want %q", out, want)
		}
		after := deployment()
		if got := after.Spec.Template.Spec.Containers[0].Image; got != def {
			t.Errorf("image = %s, want %s", got, def)
		}
		after.Spec.Template.Spec.Containers[0].Image = old
		if !equalJSON(t, after.Spec.Template.Spec, before.Spec.Template.Spec) || !equalJSON(t, after.Labels, before.Labels) ||
			!equalJSON(t, after.OwnerReferences, before.OwnerReferences) || *after.Spec.Replicas != *before.Spec.Replicas {
			t.Errorf("more than the image changed:\nbefore %+v\nafter  %+v", before.Spec.Template.Spec, after.Spec.Template.Spec)
		}
		if after.Generation != before.Generation+1 {
			t.Errorf("generation %d → %d: want exactly one change (a rollout)", before.Generation, after.Generation)
		}
		updater := false
		for _, m := range after.ManagedFields {
			if m.Manager == v1alpha1.FieldManager && m.Operation == metav1.ManagedFieldsOperationUpdate &&
				strings.Contains(m.FieldsV1.GetRawString(), `"f:image"`) {
				updater = true
			}
		}
		if !updater {
			t.Errorf("the image is not owned by an update of %s: %+v", v1alpha1.FieldManager, after.ManagedFields)
		}

		if out, want := run("edge").Stdout(t), "deployment.apps/kimport-agent image unchanged (-n cattle-system, "+def+")\n"; out != want {
			t.Errorf("second run: got %q, want %q", out, want)
		}
		if g := deployment().Generation; g != after.Generation {
			t.Errorf("an unchanged run changed the Deployment: generation %d → %d", after.Generation, g)
		}
		const mirror = "registry.example.com/kimport/webhook:v9.9.9"
		if out, want := run("edge", "--image", mirror).Stdout(t), "deployment.apps/kimport-agent image updated (-n cattle-system, "+mirror+")\n"; out != want {
			t.Errorf("--image: got %q, want %q", out, want)
		}
		if got := image(); got != mirror {
			t.Errorf("image = %s, want %s", got, mirror)
		}
	})
}
