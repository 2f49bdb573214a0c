package status

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func withConditions(phase v1alpha1.Phase, conds ...metav1.Condition) *v1alpha1.ImportedCluster {
	ic := &v1alpha1.ImportedCluster{Status: v1alpha1.ImportedClusterStatus{Phase: phase}}
	for _, c := range conds {
		meta.SetStatusCondition(&ic.Status.Conditions, c)
	}
	return ic
}

func cond(typ string, status metav1.ConditionStatus, reason string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason}
}

func TestPhaseFor(t *testing.T) {
	allTrue := []metav1.Condition{
		cond(v1alpha1.ConditionConnected, metav1.ConditionTrue, v1alpha1.ReasonReached),
		cond(v1alpha1.ConditionProjectsAssigned, metav1.ConditionTrue, v1alpha1.ReasonAssigned),
		cond(v1alpha1.ConditionMembersApplied, metav1.ConditionTrue, v1alpha1.ReasonApplied),
	}
	probeFailed := cond(v1alpha1.ConditionConnected, metav1.ConditionFalse, v1alpha1.ReasonProbeFailed)
	tests := []struct {
		name string
		ic   *v1alpha1.ImportedCluster
		want v1alpha1.Phase
	}{
		{"new, all true", withConditions("", allTrue...), v1alpha1.PhaseActive},
		{"unavailable, all true again", withConditions(v1alpha1.PhaseUnavailable, allTrue...), v1alpha1.PhaseActive},
		{"new, unreachable", withConditions("", probeFailed), v1alpha1.PhasePending},
		{"pending, members failing", withConditions(v1alpha1.PhasePending, append(allTrue[:2:2],
			cond(v1alpha1.ConditionMembersApplied, metav1.ConditionFalse, v1alpha1.ReasonFailed))...), v1alpha1.PhasePending},
		{"active, unreachable", withConditions(v1alpha1.PhaseActive, append(allTrue, probeFailed)...), v1alpha1.PhaseUnavailable},
		{"unavailable, still unreachable", withConditions(v1alpha1.PhaseUnavailable, probeFailed), v1alpha1.PhaseUnavailable},
		{"active, credentials gone", withConditions(v1alpha1.PhaseActive, append(allTrue,
			cond(v1alpha1.ConditionConnected, metav1.ConditionFalse, v1alpha1.ReasonCredentialsMissing))...), v1alpha1.PhasePending},
		{"no conditions at all", withConditions(""), v1alpha1.PhasePending},
		{"active, awaiting join again", withConditions(v1alpha1.PhaseActive, append(allTrue,
			cond(v1alpha1.ConditionConnected, metav1.ConditionFalse, v1alpha1.ReasonAwaitingJoin))...), v1alpha1.PhasePending},
	}
	agent := func(phase v1alpha1.Phase, conds ...metav1.Condition) *v1alpha1.ImportedCluster {
		ic := withConditions(phase, conds...)
		ic.Spec.Mode = v1alpha1.ModeAgent
		return ic
	}
	renewed := cond(v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, v1alpha1.ReasonRenewed)
	late := cond(v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, v1alpha1.ReasonLate)
	awaiting := cond(v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, v1alpha1.ReasonAwaitingAgent)
	tests = append(tests, []struct {
		name string
		ic   *v1alpha1.ImportedCluster
		want v1alpha1.Phase
	}{
		{"agent: reported and renewing", agent("", append(allTrue, renewed)...), v1alpha1.PhaseActive},
		{"agent: reported, heartbeat not judged yet", agent("", allTrue...), v1alpha1.PhasePending},
		{"agent: awaiting the agent", agent("", awaiting), v1alpha1.PhasePending},
		{"agent: active, heartbeat late", agent(v1alpha1.PhaseActive, append(allTrue, late)...), v1alpha1.PhaseUnavailable},
		{"agent: unavailable, renewed again", agent(v1alpha1.PhaseUnavailable, append(allTrue, renewed)...), v1alpha1.PhaseActive},
		{"direct ignores a heartbeat", withConditions(v1alpha1.PhaseActive, append(allTrue, late)...), v1alpha1.PhaseActive},
	}...)
	deleted := agent(v1alpha1.PhaseActive, append(allTrue, renewed)...)
	now := metav1.Now()
	deleted.DeletionTimestamp = &now
	tests = append(tests, struct {
		name string
		ic   *v1alpha1.ImportedCluster
		want v1alpha1.Phase
	}{"deleted, all true", deleted, v1alpha1.PhaseDisconnecting})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PhaseFor(tt.ic); got != tt.want {
				t.Errorf("PhaseFor() = %q, want %q", got, tt.want)
			}
		})
	}
}
