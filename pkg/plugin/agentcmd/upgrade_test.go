package agentcmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

const (
	edgeID  = "11111111-0000-4000-8000-0000000000ed"
	otherID = "22222222-0000-4000-8000-00000000000f"
	old     = v1alpha1.ImageRepository + ":v0.1.0"
)

func importedCluster(name string, mode v1alpha1.Mode, clusterID string) *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.ImportedClusterSpec{Mode: mode, ClusterID: clusterID,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}},
	}
}

// fakes is a hub with five ImportedClusters and edge's downstream running the agent at old.
type fakes struct {
	hub, ds client.Client
}

func newFakes(t *testing.T, withDeployment bool) fakes {
	t.Helper()
	hub := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(
		importedCluster("edge", v1alpha1.ModeAgent, edgeID),
		importedCluster("direct", v1alpha1.ModeDirect, edgeID),
		importedCluster("legacy", "", edgeID), // imported before spec.mode existed: direct
		importedCluster("other", v1alpha1.ModeAgent, otherID),
		importedCluster("waiting", v1alpha1.ModeAgent, ""),
	).Build()
	objs := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: types.UID(edgeID)}}}
	if withDeployment {
		objs = append(objs, agent.Deployment(agent.DeploymentOptions{Cluster: "edge", Image: old, CAChecksum: "sha256:00"}))
	}
	ds := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(objs...).Build()
	return fakes{hub: hub, ds: ds}
}

// run executes `agent upgrade` with the fakes as its two clusters.
func (f fakes) run(args ...string) (string, string, error) {
	const hub, edge = "https://hub.example:6443", "https://edge.example:6443"
	fake := plugintest.Factory{Hub: &rest.Config{Host: hub}, Kube: &rest.Config{Host: edge},
		Clients: map[string]client.Client{hub: f.hub, edge: f.ds}}
	r := plugintest.Run(fake.Factory(), NewCmdUpgrade, args...)
	return r.Out, r.Err, r.Error
}

func (f fakes) image(t *testing.T) (string, *appsv1.Deployment) {
	t.Helper()
	var d appsv1.Deployment
	if err := f.ds.Get(context.Background(), client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentDeployment}, &d); err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image, &d
}

func TestUpgradeRefusals(t *testing.T) {
	f := newFakes(t, true)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"direct"}, "direct is imported in direct mode: no agent runs in it (the hub reaches its API server itself); 'kubectl import agent upgrade' applies to clusters imported with --mode agent"},
		{[]string{"legacy"}, "legacy is imported in direct mode: no agent runs in it (the hub reaches its API server itself); 'kubectl import agent upgrade' applies to clusters imported with --mode agent"},
		{[]string{"other"}, "the downstream at https://edge.example:6443 is not other: its kube-system namespace UID is " + edgeID +
			", but other has spec.clusterID " + otherID + "; choose other's cluster with --context or --kubeconfig"},
		{[]string{"other", "--context", "edge"}, "the downstream of --context edge (https://edge.example:6443) is not other: its kube-system namespace UID is " + edgeID +
			", but other has spec.clusterID " + otherID + "; choose other's cluster with --context or --kubeconfig"},
		{[]string{"waiting"}, `importedcluster "waiting" has no spec.clusterID yet: it waits for 'kubectl import join', which installs the agent; nothing to upgrade`},
		{[]string{"gone"}, `importedcluster "gone" not found (list them with 'kubectl import list')`},
		{[]string{"edge", "--image", ""}, "--image is empty: give an image reference, e.g. --image " + agent.DefaultImage(version.Version) + ", or leave --image out for that default"},
		{[]string{"edge", "--image", "a b"}, `invalid --image "a b": an image reference has no whitespace, e.g. --image ` + agent.DefaultImage(version.Version)},
		{[]string{"edge", "--dry-run=maybe"}, `invalid --dry-run value "maybe": use one of none, client, server`},
		{nil, "NAME is required: usage: upgrade NAME [--image IMAGE] [flags]"},
	} {
		out, errOut, err := f.run(tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: error = %v\nwant      %s", tc.args, err, tc.want)
		}
		if out != "" || errOut != "" {
			t.Errorf("%v: a refusal printed %q %q", tc.args, out, errOut)
		}
	}
	if got, _ := f.image(t); got != old {
		t.Errorf("a refusal changed the image to %s", got)
	}
}

func TestUpgradeWithoutDeployment(t *testing.T) {
	_, _, err := newFakes(t, false).run("edge")
	want := "deployment cattle-system/kimport-agent not found in the downstream: the agent is not installed; re-run 'kubectl import cluster edge --mode agent' against this cluster to install it"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant      %s", err, want)
	}
}

func TestUpgradeSetsTheImageOnly(t *testing.T) {
	f := newFakes(t, true)
	_, before := f.image(t)
	def := agent.DefaultImage(version.Version)
	for _, step := range []struct {
		args      []string
		out, want string
	}{
		{[]string{"edge", "--dry-run"}, "deployment.apps/kimport-agent image updated (dry run) (-n cattle-system, " + def + ")\n", old},
		{[]string{"edge"}, "deployment.apps/kimport-agent image updated (-n cattle-system, " + def + ")\n", def},
		{[]string{"edge"}, "deployment.apps/kimport-agent image unchanged (-n cattle-system, " + def + ")\n", def},
		{[]string{"edge", "--image", "registry.example.com/kimport/webhook:v9"}, "deployment.apps/kimport-agent image updated (-n cattle-system, registry.example.com/kimport/webhook:v9)\n", "registry.example.com/kimport/webhook:v9"},
	} {
		out, errOut, err := f.run(step.args...)
		if err != nil || out != step.out || errOut != "" {
			t.Fatalf("%v: out %q, stderr %q, error %v; want out %q", step.args, out, errOut, err, step.out)
		}
		if got, _ := f.image(t); got != step.want {
			t.Errorf("%v: image %s, want %s", step.args, got, step.want)
		}
	}
	_, after := f.image(t)
	after.Spec.Template.Spec.Containers[0].Image = old
	if a, b := after.Spec.Template.Spec, before.Spec.Template.Spec; !equalJSON(t, a, b) {
		t.Errorf("the pod template changed beyond the image:\nbefore %+v\nafter  %+v", b, a)
	}
}

func TestImagePatch(t *testing.T) {
	got, err := ImagePatch("example.com/agent:v2")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"spec":{"template":{"spec":{"containers":[{"image":"example.com/agent:v2","name":"kimport-agent"}]}}}}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestAgentCommandHelp(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	root := &cobra.Command{Use: "kubectl-import"}
	root.AddCommand(NewCmd(common.NewFactory(), streams))
	root.SetArgs([]string{"agent", "upgrade", "--help"})
	root.SetOut(out)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl import agent upgrade edge-1 --context edge-1", "--image string", "--dry-run", "--hub-context", "--context"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
