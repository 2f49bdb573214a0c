package admission_test

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// TestMatchConditionsSendOnlyWhatARuleReads: with the webhook stopped (failurePolicy Fail), a
// write is admitted exactly when the API server never sends it. An update of an unrelated
// label, annotation or finalizer and the hub component's own status and metadata writes are
// admitted (not sent); a spec change, a change of the label kimport.dev/cluster-id (by anyone),
// a capability annotation, a status write by anyone
// else, and by anyone else the removal of the hub's finalizer, an owner reference or a hub
// annotation (HubMetadata) are refused (sent, and nobody answers). Every rule firing through this configuration is
// TestExplainAdmissionNamesEachRule's business.
func TestMatchConditionsSendOnlyWhatARuleReads(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	if out, err := e.kubectl(t, manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, ""), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	setStatus(t, e, "k3s-prod")
	e.server.Stop(t)
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "k3s-prod"}}
	patch := func(c client.Client, status bool, body string) error {
		p := client.RawPatch(types.MergePatchType, []byte(body))
		if status {
			return c.Status().Patch(ctx, ic.DeepCopy(), p)
		}
		return c.Patch(ctx, ic.DeepCopy(), p)
	}
	for _, tc := range []struct {
		name   string
		c      client.Client
		status bool
		body   string
		sent   bool
	}{
		{"an unrelated label", e.hub.Client, false, `{"metadata":{"labels":{"team":"edge"}}}`, false},
		{"an unrelated annotation", e.hub.Client, false, `{"metadata":{"annotations":{"owner":"sre"}}}`, false},
		{"the hub component's status write", e.server.Client, true, `{"status":{"kubernetesVersion":"v1.30.5+k3s1"}}`, false},
		{"a spec change", e.hub.Client, false, `{"spec":{"displayName":"K3s"}}`, true},
		{"the cluster-id label changed", e.hub.Client, false, `{"metadata":{"labels":{"kimport.dev/cluster-id":"00000000-0000-4000-8000-000000000002"}}}`, true},
		{"the cluster-id label removed", e.hub.Client, false, `{"metadata":{"labels":{"kimport.dev/cluster-id":null}}}`, true},
		{"the hub component writing the cluster-id label", e.server.Client, false, `{"metadata":{"labels":{"kimport.dev/cluster-id":"00000000-0000-4000-8000-000000000003"}}}`, true},
		{"a capability annotation", e.hub.Client, false, `{"metadata":{"annotations":{"capabilities/pspEnabled":"false"}}}`, true},
		{"a capability annotation (Rancher's documented prefix)", e.hub.Client, false, `{"metadata":{"annotations":{"capabilities.cattle.io/pspEnabled":"false"}}}`, true},
		{"a status write by a cluster-admin", e.hub.Client, true, `{"status":{"kubernetesVersion":"v9.9.9"}}`, true},
		{"another finalizer", e.hub.Client, false, `{"metadata":{"finalizers":["example.com/keep","kimport.dev/cleanup"]}}`, false},
		{"the hub component adding its finalizer", e.server.Client, false, `{"metadata":{"finalizers":["kimport.dev/cleanup"]}}`, false},
		{"removing the hub's finalizer", e.hub.Client, false, `{"metadata":{"finalizers":null}}`, true},
		{"an owner reference", e.hub.Client, false, `{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Namespace","name":"default","uid":"0b0b0b0b-0000-4000-8000-000000000000"}]}}`, true},
		{"a hub annotation", e.hub.Client, false, `{"metadata":{"annotations":{"kimport.dev/join-expires-at":"2031-01-01T00:00:00Z"}}}`, true},
		{"the hub component writing a hub annotation", e.server.Client, false, `{"metadata":{"annotations":{"kimport.dev/hub-id":"6a1e0c2b-0000-4000-8000-000000000abc"}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := patch(tc.c, tc.status, tc.body)
			switch {
			case tc.sent && err == nil:
				t.Error("admitted with the webhook stopped: the API server did not send it, yet a rule reads it")
			case tc.sent:
				mustContain(t, "refusal", err.Error(), "failed calling webhook")
			case err != nil:
				t.Errorf("refused with the webhook stopped, so it was sent though no rule reads it: %v", err)
			}
		})
	}
	var got v1alpha1.ImportedCluster
	if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: "k3s-prod"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Labels["team"] != "edge" || got.Spec.DisplayName == "K3s" || got.Status.KubernetesVersion != "v1.30.5+k3s1" {
		t.Errorf("stored: labels %v, displayName %q, version %q", got.Labels, got.Spec.DisplayName, got.Status.KubernetesVersion)
	}
	if !slices.Contains(got.Finalizers, v1alpha1.Finalizer) || len(got.OwnerReferences) != 0 || got.Annotations[v1alpha1.JoinExpiresAnnotation] != "" ||
		got.Annotations[v1alpha1.HubIDAnnotation] == "" {
		t.Errorf("stored metadata: finalizers %v, owners %v, annotations %v", got.Finalizers, got.OwnerReferences, got.Annotations)
	}
}
