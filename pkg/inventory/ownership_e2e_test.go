package inventory_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inventory"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// TestProfilesOfAnotherManagerAreLeftAlone: a hub installed with `kubectl import init
// --cluster-profile-namespace fleet`, the hub component running as its own ServiceAccount with
// the deployed RBAC. Another cluster manager already publishes a ClusterProfile fleet/taken;
// importing a cluster named taken neither overwrites nor (when the cluster goes) deletes it,
// and says so in an event; the profile of a cluster named mine is published, owned, and
// deleted with it. The component may write ClusterProfiles in fleet alone.
func TestProfilesOfAnotherManagerAreLeftAlone(t *testing.T) {
	testenv.SkipShort(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	const ns = "fleet"
	ctx := context.Background()
	hub := testenv.Start(t, testenv.Options{Name: "hub", InventoryCRDs: true})
	server := hubenv.New(t, hub)
	server.Options.ClusterProfileNamespace = ns
	var out bytes.Buffer
	cmd := initcmd.NewCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	cmd.SetArgs([]string{"--kubeconfig", hub.Kubeconfig, "--webhook-url", server.URL, "--cluster-profile-namespace", ns})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("init: %v\n%s", err, out.String())
	}

	theirs := inventory.NewProfile()
	theirs.SetNamespace(ns)
	theirs.SetName("taken")
	theirs.SetLabels(map[string]string{v1alpha1.ClusterManagerLabel: "open-cluster-management"})
	theirs.Object["spec"] = map[string]any{"displayName": "OCM's taken", "clusterManager": map[string]any{"name": "open-cluster-management"}}
	if err := hub.Client.Create(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	server.Start(t)

	for _, name := range []string{"taken", "mine"} {
		id := fmt.Sprintf("0b0b0b0b-0000-4000-8000-%012d", len(name))
		ic := &v1alpha1.ImportedCluster{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1alpha1.ClusterIDLabel: id}},
			Spec: v1alpha1.ImportedClusterSpec{ClusterID: id, APIServer: "https://" + name + ".example:6443",
				CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}, Mode: v1alpha1.ModeDirect},
		}
		if err := hub.Client.Create(ctx, ic); err != nil {
			t.Fatal(err)
		}
	}
	profile := func(name string) (*unstructured.Unstructured, error) {
		p := inventory.NewProfile()
		return p, hub.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p)
	}
	hubtest.Eventually(t, time.Minute, func() (bool, string) {
		p, err := profile("mine")
		if err != nil {
			return false, err.Error()
		}
		return inventory.NotOurs(p, "mine", "") == "", fmt.Sprintf("fleet/mine labels %v owners %v", p.GetLabels(), p.GetOwnerReferences())
	})
	hubtest.Eventually(t, time.Minute, func() (bool, string) {
		var events corev1.EventList
		if err := hub.Client.List(ctx, &events, client.InNamespace(metav1.NamespaceDefault)); err != nil {
			return false, err.Error()
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == "taken" && e.Reason == "ClusterProfileNotOwned" {
				t.Logf("event: %s", e.Message)
				return true, ""
			}
		}
		return false, fmt.Sprintf("no ClusterProfileNotOwned event about taken among %d events", len(events.Items))
	})
	unchanged := func(t *testing.T) {
		t.Helper()
		p, err := profile("taken")
		if err != nil {
			t.Fatalf("fleet/taken: %v", err)
		}
		if p.GetResourceVersion() != theirs.GetResourceVersion() {
			t.Errorf("fleet/taken was written: labels %v, owners %v, spec %v, status %v", p.GetLabels(), p.GetOwnerReferences(), p.Object["spec"], p.Object["status"])
		}
	}
	unchanged(t)

	t.Run("the component writes ClusterProfiles in its namespace alone", func(t *testing.T) {
		elsewhere := inventory.NewProfile()
		elsewhere.SetNamespace(v1alpha1.HubNamespace)
		elsewhere.SetName("mine")
		elsewhere.Object["spec"] = map[string]any{"clusterManager": map[string]any{"name": v1alpha1.ClusterManager}}
		if err := server.Client.Create(ctx, elsewhere); !apierrors.IsForbidden(err) {
			t.Errorf("the hub component creating a ClusterProfile in %s: %v, want Forbidden", v1alpha1.HubNamespace, err)
		}
	})

	t.Run("deleting the clusters deletes our profile and leaves theirs", func(t *testing.T) {
		for _, name := range []string{"taken", "mine"} {
			if err := hub.Client.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
				t.Fatal(err)
			}
		}
		hubtest.Eventually(t, time.Minute, func() (bool, string) {
			_, err := profile("mine")
			var list v1alpha1.ImportedClusterList
			_ = hub.Client.List(ctx, &list)
			return apierrors.IsNotFound(err) && len(list.Items) == 0, fmt.Sprintf("fleet/mine: %v; %d ImportedClusters left", err, len(list.Items))
		})
		time.Sleep(2 * time.Second) // a late reconcile of taken's deletion must not touch theirs either
		unchanged(t)
	})
}
