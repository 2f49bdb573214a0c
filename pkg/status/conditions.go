package status

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// SetCondition sets one condition of ic's status, observed at ic's generation.
func SetCondition(ic *v1alpha1.ImportedCluster, typ string, st metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&ic.Status.Conditions, metav1.Condition{
		Type: typ, Status: st, Reason: reason, Message: msg, ObservedGeneration: ic.Generation,
	})
}

// FindCondition is the condition of type typ, nil when absent.
func FindCondition(st *v1alpha1.ImportedClusterStatus, typ string) *metav1.Condition {
	return meta.FindStatusCondition(st.Conditions, typ)
}

// ConditionReason is the reason of the condition of type typ, "" when absent.
func ConditionReason(st *v1alpha1.ImportedClusterStatus, typ string) string {
	if c := FindCondition(st, typ); c != nil {
		return c.Reason
	}
	return ""
}

// NotConnected records why the downstream was not reached; the conditions that need it
// wait for it.
func NotConnected(ic *v1alpha1.ImportedCluster, reason, msg string) {
	SetCondition(ic, v1alpha1.ConditionConnected, metav1.ConditionFalse, reason, msg)
	for _, t := range []string{v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
		if FindCondition(&ic.Status, t) == nil {
			SetCondition(ic, t, metav1.ConditionUnknown, v1alpha1.ReasonNotConnected, "waiting for the downstream to be reached")
		}
	}
}

// AwaitingJoin is true while status says the registration waits for `join`.
func AwaitingJoin(st *v1alpha1.ImportedClusterStatus) bool {
	r := ConditionReason(st, v1alpha1.ConditionConnected)
	return r == v1alpha1.ReasonAwaitingJoin || r == v1alpha1.ReasonJoinTokenExpired
}
