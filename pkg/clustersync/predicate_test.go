package clustersync

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// A status write alone wakes neither the reconciler nor the agent; what they act on does.
func TestChanged(t *testing.T) {
	stored := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "c", Generation: 2,
		Annotations: map[string]string{"a": "1"}, Finalizers: []string{v1alpha1.Finalizer}}}
	now := metav1.Now()
	for _, tt := range []struct {
		name   string
		change func(*v1alpha1.ImportedCluster)
		want   bool
	}{
		{"status only", func(ic *v1alpha1.ImportedCluster) { ic.Status.Phase = v1alpha1.PhaseActive }, false},
		{"spec", func(ic *v1alpha1.ImportedCluster) { ic.Generation++ }, true},
		{"an annotation", func(ic *v1alpha1.ImportedCluster) { ic.Annotations["a"] = "2" }, true},
		{"the finalizer", func(ic *v1alpha1.ImportedCluster) { ic.Finalizers = nil }, true},
		{"deletion", func(ic *v1alpha1.ImportedCluster) { ic.DeletionTimestamp = &now }, true},
	} {
		n := stored.DeepCopy()
		tt.change(n)
		if got := Changed().Update(event.UpdateEvent{ObjectOld: stored, ObjectNew: n}); got != tt.want {
			t.Errorf("%s: Changed() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
