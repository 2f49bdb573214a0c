package importer

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestProgressAndNotTrue(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{Status: v1alpha1.ImportedClusterStatus{
		Phase: v1alpha1.PhasePending,
		Conditions: []metav1.Condition{
			{Type: "Connected", Status: metav1.ConditionTrue, Reason: "Reached"},
			{Type: "MembersApplied", Status: metav1.ConditionFalse, Reason: "Failed", Message: "forbidden"},
		},
	}}
	if got, want := Progress(ic), "Pending  Connected=True  MembersApplied=False (Failed)"; got != want {
		t.Errorf("Progress = %q, want %q", got, want)
	}
	if got := notTrue(ic.Status.Conditions); !strings.Contains(got, "MembersApplied=False Failed: forbidden") || strings.Contains(got, "Connected") {
		t.Errorf("notTrue = %q", got)
	}
	if got := notTrue(nil); !strings.Contains(got, "reconciler") {
		t.Errorf("with no conditions the message should point at the reconciler: %q", got)
	}
}
