package admission_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// TestClusterIDPatternRatchets: a record stored before spec.clusterID had to be a UUID (by a
// hub whose CRD had no pattern, its webhook not yet installed) stays editable once `kubectl
// import init` installs this CRD and webhook: the API server ratchets the unchanged field, and
// the webhook checks a clusterID only when a request sets it. A new record with such an ID is
// refused by both.
func TestClusterIDPatternRatchets(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	const legacyID = "uid-legacy"

	ignoreWebhook(t, e, true)
	removeClusterIDPattern(t, e)
	// Stored before the label kimport.dev/cluster-id was required, too.
	legacyManifest := strings.Replace(manifest("legacy", legacyID, nil, ""), "  labels:\n    "+v1alpha1.ClusterIDLabel+": '"+legacyID+"'\n", "", 1)
	if out, err := e.kubectl(t, legacyManifest, "apply", "-f", "-"); err != nil {
		t.Fatalf("storing a record the way an older hub did: %v\n%s", err, out)
	}
	if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", e.hub.Kubeconfig, "--webhook-url", e.server.URL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	waitSchema(t, e, true)
	ignoreWebhook(t, e, false)

	var legacy v1alpha1.ImportedCluster
	if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: "legacy"}, &legacy); err != nil {
		t.Fatal(err)
	}
	legacy.Spec.DisplayName = "Legacy site"
	legacy.Labels = map[string]string{"team": "edge"}
	if err := e.hub.Client.Update(ctx, &legacy); err != nil {
		t.Errorf("updating a stored record whose clusterID predates the pattern: %v", err)
	}
	out, err := e.kubectl(t, manifest("fresh", "uid-fresh", nil, ""), "apply", "-f", "-")
	if err == nil {
		t.Fatalf("a new record with clusterID uid-fresh was admitted:\n%s", out)
	}
	mustContain(t, "kubectl apply", out, `spec.clusterID in body should match`)
	mustNotExist(t, e.hub.Client, "fresh")
}

// removeClusterIDPattern removes the pattern of spec.clusterID from the installed CRD, as a hub
// installed by an older release had it, and waits until that takes effect.
func removeClusterIDPattern(t *testing.T, e *env) {
	t.Helper()
	editCRD(t, e, func(v map[string]any) {
		unstructured.RemoveNestedField(v, "schema", "openAPIV3Schema", "properties", "spec", "properties", "clusterID", "pattern")
	})
	waitSchema(t, e, false)
}

// waitSchema waits until a server-side dry run of a record with a non-UUID clusterID is refused
// by the CRD's pattern (refused true) or not.
func waitSchema(t *testing.T, e *env, refused bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := e.kubectl(t, manifest("probe", "uid-probe", nil, ""), "apply", "--dry-run=server", "-f", "-")
		if strings.Contains(out, "spec.clusterID in body should match") == refused {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the CRD's clusterID pattern did not change in 30s: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
