package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func (r *Reconciler) setCondition(ic *v1alpha1.ImportedCluster, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&ic.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: ic.Generation,
	})
}

func findCondition(st *v1alpha1.ImportedClusterStatus, typ string) *metav1.Condition {
	return meta.FindStatusCondition(st.Conditions, typ)
}

func conditionReason(st *v1alpha1.ImportedClusterStatus, typ string) string {
	if c := findCondition(st, typ); c != nil {
		return c.Reason
	}
	return ""
}

// readyConditions must all be True for a cluster to be Active.
var readyConditions = []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied}

// phaseFor derives the phase from the conditions: Active when all are True; Unavailable when a
// cluster that was Active no longer is; Pending otherwise (and while credentials are missing
// or join has not happened).
func phaseFor(ic *v1alpha1.ImportedCluster) v1alpha1.Phase {
	st := &ic.Status
	notReady := false
	for _, t := range readyConditions {
		notReady = notReady || !meta.IsStatusConditionTrue(st.Conditions, t)
	}
	switch {
	case !notReady && upgrading(st):
		return v1alpha1.PhaseUpgrading
	case !notReady:
		return v1alpha1.PhaseActive
	case conditionReason(st, v1alpha1.ConditionConnected) == v1alpha1.ReasonCredentialsMissing || awaitingJoin(st):
		return v1alpha1.PhasePending
	case st.Phase == v1alpha1.PhaseActive || st.Phase == v1alpha1.PhaseUpgrading || st.Phase == v1alpha1.PhaseUnavailable:
		return v1alpha1.PhaseUnavailable
	}
	return v1alpha1.PhasePending
}

// upgrading is true while an asked-for K3s version is not yet on every node.
func upgrading(st *v1alpha1.ImportedClusterStatus) bool {
	c := findCondition(st, v1alpha1.ConditionUpgraded)
	return c != nil && c.Status != metav1.ConditionTrue
}

// firstProblem is the message of the first ready condition that is not True.
func firstProblem(st *v1alpha1.ImportedClusterStatus) string {
	for _, t := range readyConditions {
		if c := findCondition(st, t); c != nil && c.Status != metav1.ConditionTrue {
			return fmt.Sprintf("%s: %s", t, c.Message)
		}
	}
	return ""
}

// writeStatus writes ic.Status when it differs from before. A newer lastProbeTime alone is
// written only once the stored one is older than lastProbeRefresh, to spare the hub a write
// per probe. Phase transitions are announced as events.
func (r *Reconciler) writeStatus(ctx context.Context, ic *v1alpha1.ImportedCluster, before *v1alpha1.ImportedClusterStatus) error {
	if r.unchanged(before, &ic.Status) {
		return nil
	}
	if err := r.Client.Status().Update(ctx, ic); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	if before.Phase != ic.Status.Phase {
		r.announce(ic, before.Phase)
	}
	return nil
}

func (r *Reconciler) unchanged(before, after *v1alpha1.ImportedClusterStatus) bool {
	a, b := before.DeepCopy(), after.DeepCopy()
	a.LastProbeTime, b.LastProbeTime = nil, nil
	if !equality.Semantic.DeepEqual(a, b) {
		return false
	}
	if before.LastProbeTime == nil || after.LastProbeTime == nil {
		return before.LastProbeTime == after.LastProbeTime
	}
	return after.LastProbeTime.Sub(before.LastProbeTime.Time) < r.Options.lastProbeRefresh()
}

// announce emits the event of a phase transition; never with a credential in it (condition
// messages carry server URLs and errors, never tokens).
func (r *Reconciler) announce(ic *v1alpha1.ImportedCluster, from v1alpha1.Phase) {
	to := ic.Status.Phase
	eventType, msg := corev1.EventTypeNormal, ""
	switch to {
	case v1alpha1.PhaseActive:
		msg = "downstream reached, projects assigned, members applied"
	case v1alpha1.PhaseUnavailable:
		eventType, msg = corev1.EventTypeWarning, firstProblem(&ic.Status)
	case v1alpha1.PhasePending:
		msg = firstProblem(&ic.Status)
	case v1alpha1.PhaseDisconnecting:
		msg = "removing what the import put in the downstream"
	}
	if from == "" {
		from = "new"
	}
	r.Recorder.Eventf(ic, eventType, string(to), "%s -> %s: %s", from, to, msg)
}
