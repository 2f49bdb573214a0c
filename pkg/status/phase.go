package status

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// readyConditions must all be True for a cluster to be Active; in agent mode its heartbeat
// must be too.
func readyConditions(ic *v1alpha1.ImportedCluster) []string {
	c := []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied}
	if ic.Spec.AgentMode() {
		c = append([]string{v1alpha1.ConditionHeartbeat}, c...)
	}
	return c
}

// PhaseFor derives the phase from the conditions: Disconnecting once the record is deleted;
// Active when all are True; Unavailable when a cluster that was Active no longer is; Pending
// otherwise (and while credentials are missing, join has not happened or the agent has not
// reported yet).
func PhaseFor(ic *v1alpha1.ImportedCluster) v1alpha1.Phase {
	if !ic.DeletionTimestamp.IsZero() {
		return v1alpha1.PhaseDisconnecting
	}
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
