package status

import (
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Unchanged says whether after needs no write over before. A newer lastProbeTime alone is
// written only once the stored one is older than refresh, to spare the hub a write per
// probe per cluster.
func Unchanged(before, after *v1alpha1.ImportedClusterStatus, refresh time.Duration) bool {
	a, b := before.DeepCopy(), after.DeepCopy()
	a.LastProbeTime, b.LastProbeTime = nil, nil
	if !equality.Semantic.DeepEqual(a, b) {
		return false
	}
	if before.LastProbeTime == nil || after.LastProbeTime == nil {
		return before.LastProbeTime == after.LastProbeTime
	}
	return after.LastProbeTime.Sub(before.LastProbeTime.Time) < refresh
}

// Keeping returns observed with the conditions of the types keep as they are in stored (or
// absent when stored has none): what a writer writes when those conditions are another
// writer's (the agent keeps the hub's, v1alpha1.HubOwnedConditions).
func Keeping(observed, stored *v1alpha1.ImportedClusterStatus, keep []string) *v1alpha1.ImportedClusterStatus {
	st := observed.DeepCopy()
	for _, t := range keep {
		meta.RemoveStatusCondition(&st.Conditions, t)
		if c := FindCondition(stored, t); c != nil {
			meta.SetStatusCondition(&st.Conditions, *c)
		}
	}
	return st
}
