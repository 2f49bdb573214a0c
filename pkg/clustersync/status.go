package clustersync

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// SetCondition sets one condition of ic's status, observed at ic's generation.
func SetCondition(ic *v1alpha1.ImportedCluster, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&ic.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: ic.Generation,
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

// readyConditions must all be True for a cluster to be Active; in agent mode its heartbeat
// must be too.
func readyConditions(ic *v1alpha1.ImportedCluster) []string {
	c := []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied}
	if ic.Spec.AgentMode() {
		c = append([]string{v1alpha1.ConditionHeartbeat}, c...)
	}
	return c
}

// PhaseFor derives the phase from the conditions: Active when all are True; Unavailable when
// a cluster that was Active no longer is; Pending otherwise (and while credentials are
// missing, join has not happened or the agent has not reported yet).
func PhaseFor(ic *v1alpha1.ImportedCluster) v1alpha1.Phase {
	st := &ic.Status
	notReady := false
	for _, t := range readyConditions(ic) {
		notReady = notReady || !meta.IsStatusConditionTrue(st.Conditions, t)
	}
	switch {
	case !notReady && upgrading(st):
		return v1alpha1.PhaseUpgrading
	case !notReady:
		return v1alpha1.PhaseActive
	case ConditionReason(st, v1alpha1.ConditionConnected) == v1alpha1.ReasonCredentialsMissing || AwaitingJoin(st) ||
		ConditionReason(st, v1alpha1.ConditionHeartbeat) == v1alpha1.ReasonAwaitingAgent:
		return v1alpha1.PhasePending
	case st.Phase == v1alpha1.PhaseActive || st.Phase == v1alpha1.PhaseUpgrading || st.Phase == v1alpha1.PhaseUnavailable:
		return v1alpha1.PhaseUnavailable
	}
	return v1alpha1.PhasePending
}

// AwaitingJoin is true while status says the registration waits for `join`.
func AwaitingJoin(st *v1alpha1.ImportedClusterStatus) bool {
	r := ConditionReason(st, v1alpha1.ConditionConnected)
	return r == v1alpha1.ReasonAwaitingJoin || r == v1alpha1.ReasonJoinTokenExpired
}

// upgrading is true while an asked-for K3s version is not yet on every node.
func upgrading(st *v1alpha1.ImportedClusterStatus) bool {
	c := FindCondition(st, v1alpha1.ConditionUpgraded)
	return c != nil && c.Status != metav1.ConditionTrue
}

// FirstProblem is the message of the first ready condition that is not True.
func FirstProblem(ic *v1alpha1.ImportedCluster) string {
	for _, t := range readyConditions(ic) {
		if c := FindCondition(&ic.Status, t); c != nil && c.Status != metav1.ConditionTrue {
			return fmt.Sprintf("%s: %s", t, c.Message)
		}
	}
	return ""
}

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
