package inventory

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestNotOurs(t *testing.T) {
	const uid = "0b0b0b0b-0000-4000-8000-000000000001"
	ours := []metav1.OwnerReference{{APIVersion: "kimport.dev/v1alpha1", Kind: "ImportedCluster", Name: "edge", UID: uid}}
	profile := func(manager string, owners []metav1.OwnerReference) *unstructured.Unstructured {
		p := NewProfile()
		p.SetName("edge")
		if manager != "" {
			p.SetLabels(map[string]string{v1alpha1.ClusterManagerLabel: manager})
		}
		p.SetOwnerReferences(owners)
		return p
	}
	for _, tc := range []struct {
		desc    string
		profile *unstructured.Unstructured
		uid     types.UID
		want    string
	}{
		{"ours", profile(v1alpha1.ClusterManager, ours), uid, ""},
		{"ours, the record gone (its name only)", profile(v1alpha1.ClusterManager, ours), "", ""},
		{"another manager's", profile("open-cluster-management", nil), uid,
			`its label x-k8s.io/cluster-manager is "open-cluster-management" and it has no owner reference to importedcluster edge`},
		{"our label, no owner (made by hand)", profile(v1alpha1.ClusterManager, nil), uid, "it has no owner reference to importedcluster edge (uid " + uid + ")"},
		{"owned by an earlier record of the name", profile(v1alpha1.ClusterManager, ours), "0b0b0b0b-0000-4000-8000-000000000002", "it has no owner reference to importedcluster edge"},
		{"owned, relabelled by another manager", profile("fleet", ours), uid, `its label x-k8s.io/cluster-manager is "fleet", not "kubectl-import"`},
		{"owned by something else of the name", profile(v1alpha1.ClusterManager, []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "edge", UID: uid}}), uid,
			"it has no owner reference to importedcluster edge"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got := NotOurs(tc.profile, "edge", tc.uid)
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("NotOurs = %q, want %q", got, tc.want)
			}
		})
	}
}
