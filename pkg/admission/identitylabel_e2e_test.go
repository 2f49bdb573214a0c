package admission_test

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// TestIdentityThroughTheMetadataIndex: the webhook finds the other registrations of a
// clusterID by the label kimport.dev/cluster-id (its cache holds metadata only). Through the
// hub's real API server and the real webhook (the hub component as its ServiceAccount), a
// writer tries to register a cluster twice, openly and by hiding from that index with a label
// that lies, to squat another cluster's identity with a label alone, and to change or drop
// the label of a stored record: each is refused as Identity, naming the label or the holder,
// and nothing is stored or changed. A record with the label, and the label's backfill by the
// hub component on a record stored without it, are admitted.
func TestIdentityThroughTheMetadataIndex(t *testing.T) {
	e := start(t, false) // the test plays the reconciler through e.server.Client
	ctx := context.Background()
	admin := e.hub.Client
	id, other := clusterIDFor("prod"), clusterIDFor("other")
	record := func(name, clusterID string, labels map[string]string) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
			Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterID, APIServer: "https://" + name + ".example:6443",
				CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}}}
	}
	refusedAs := func(t *testing.T, err error, field, says string) {
		t.Helper()
		var status apierrors.APIStatus
		if err == nil || !errors.As(err, &status) || status.Status().Details == nil {
			t.Fatalf("got %v, want a refusal by the webhook", err)
		}
		causes := status.Status().Details.Causes
		if len(causes) != 1 || causes[0].Type != validate.RuleIdentity.CauseType() || causes[0].Field != field {
			t.Fatalf("causes %+v, want one %s on %s", causes, validate.RuleIdentity.CauseType(), field)
		}
		mustContain(t, "refusal", causes[0].Message, says)
		t.Logf("%v", err)
	}
	const labelField = "metadata.labels[" + v1alpha1.ClusterIDLabel + "]"
	// indexed waits until a server-side dry run of obj is refused: the webhook's cache, fed by a
	// watch, has seen the record just written.
	indexed := func(obj *v1alpha1.ImportedCluster) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for admin.Create(ctx, obj.DeepCopy(), client.DryRunAll) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("a dry run of %s still admitted after 10s", obj.Name)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	must(t, admin.Create(ctx, record("prod", id, idLabel(id))))
	setStatus(t, e, "prod") // Active

	t.Run("a second registration of the clusterID names the first", func(t *testing.T) {
		refusedAs(t, admin.Create(ctx, record("copy", id, idLabel(id))), "spec.clusterID", `already imported as "prod" (Active)`)
		mustNotExist(t, admin, "copy")
	})
	t.Run("a label that lies, to hide from the index", func(t *testing.T) {
		refusedAs(t, admin.Create(ctx, record("liar", clusterIDFor("liar"), idLabel(other))), labelField, `must equal spec.clusterID ("`+clusterIDFor("liar")+`")`)
		mustNotExist(t, admin, "liar")
	})
	t.Run("no label, to hide from the index", func(t *testing.T) {
		refusedAs(t, admin.Create(ctx, record("hidden", clusterIDFor("hidden"), nil)), labelField, `add the label `+v1alpha1.ClusterIDLabel)
		mustNotExist(t, admin, "hidden")
	})
	t.Run("a label alone, to block another cluster's import", func(t *testing.T) {
		refusedAs(t, admin.Create(ctx, record("squatter", "", idLabel(other))), labelField, "names a cluster identity this registration does not hold")
		mustNotExist(t, admin, "squatter")
	})
	patch := func(name, body string) error {
		return admin.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}}, client.RawPatch(types.MergePatchType, []byte(body)))
	}
	labelOf := func(name string) (string, bool) {
		var ic v1alpha1.ImportedCluster
		must(t, admin.Get(ctx, client.ObjectKey{Name: name}, &ic))
		l, ok := ic.Labels[v1alpha1.ClusterIDLabel]
		return l, ok
	}
	t.Run("the label of a stored record changed to lie", func(t *testing.T) {
		refusedAs(t, patch("prod", `{"metadata":{"labels":{"`+v1alpha1.ClusterIDLabel+`":"`+other+`"}}}`), labelField, "must equal spec.clusterID")
		if l, _ := labelOf("prod"); l != id {
			t.Errorf("prod's label is %q, want %q", l, id)
		}
	})
	t.Run("the label of a stored record dropped", func(t *testing.T) {
		refusedAs(t, patch("prod", `{"metadata":{"labels":{"`+v1alpha1.ClusterIDLabel+`":null}}}`), labelField, "must equal spec.clusterID")
		if l, _ := labelOf("prod"); l != id {
			t.Errorf("prod's label is %q, want %q", l, id)
		}
	})
	t.Run("another cluster with its label is admitted, and holds its identity", func(t *testing.T) {
		must(t, admin.Create(ctx, record("other", other, idLabel(other))))
		indexed(record("other-again", other, idLabel(other)))
		refusedAs(t, admin.Create(ctx, record("other-again", other, idLabel(other))), "spec.clusterID", `already imported as "other" (Pending)`)
		mustNotExist(t, admin, "other-again")
	})
	t.Run("the hub backfills the label of a record stored without it", func(t *testing.T) {
		ignoreWebhook(t, e, true) // stored as by a hub before the label was required
		legacyID := clusterIDFor("legacy")
		must(t, admin.Create(ctx, record("legacy", legacyID, nil)))
		ignoreWebhook(t, e, false)
		must(t, patch("legacy", `{"spec":{"displayName":"Legacy"}}`)) // editable without the label
		hub := e.server.Client
		must(t, hub.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "legacy"}},
			client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"`+v1alpha1.ClusterIDLabel+`":"`+legacyID+`"}}}`))))
		if l, _ := labelOf("legacy"); l != legacyID {
			t.Fatalf("legacy's label is %q, want %q", l, legacyID)
		}
		indexed(record("legacy-again", legacyID, idLabel(legacyID)))
		refusedAs(t, admin.Create(ctx, record("legacy-again", legacyID, idLabel(legacyID))), "spec.clusterID", `already imported as "legacy"`)
	})
}
