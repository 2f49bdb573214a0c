package status

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// A probe that changes nothing but lastProbeTime must not write status, until the stored
// lastProbeTime is older than the refresh period.
func TestUnchanged(t *testing.T) {
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(time.Unix(1000, 0).Add(d)); return &t }
	stored := &v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, LastProbeTime: at(0), KubernetesVersion: "v1.37.2"}
	with := func(f func(*v1alpha1.ImportedClusterStatus)) *v1alpha1.ImportedClusterStatus {
		s := stored.DeepCopy()
		f(s)
		return s
	}
	tests := []struct {
		name  string
		after *v1alpha1.ImportedClusterStatus
		want  bool
	}{
		{"the same", stored.DeepCopy(), true},
		{"a newer probe within the refresh", with(func(s *v1alpha1.ImportedClusterStatus) { s.LastProbeTime = at(time.Minute) }), true},
		{"a probe past the refresh", with(func(s *v1alpha1.ImportedClusterStatus) { s.LastProbeTime = at(10 * time.Minute) }), false},
		{"a first probe", with(func(s *v1alpha1.ImportedClusterStatus) { s.LastProbeTime = nil }), false},
		{"another version", with(func(s *v1alpha1.ImportedClusterStatus) { s.KubernetesVersion = "v1.37.3" }), false},
		{"another phase", with(func(s *v1alpha1.ImportedClusterStatus) { s.Phase = v1alpha1.PhaseUnavailable }), false},
	}
	for _, tt := range tests {
		if got := Unchanged(stored, tt.after, 5*time.Minute); got != tt.want {
			t.Errorf("%s: Unchanged() = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Unchanged(stored, with(func(s *v1alpha1.ImportedClusterStatus) { s.LastProbeTime = at(time.Nanosecond) }), 0) {
		t.Error("refresh 0: a newer lastProbeTime is a change")
	}
}

// The agent writes what it observed but the hub's own conditions, which stay as stored, or
// absent when the hub has not set them.
func TestKeeping(t *testing.T) {
	hub := metav1.Condition{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRenewed, Message: "by the hub"}
	stored := &v1alpha1.ImportedClusterStatus{Conditions: []metav1.Condition{hub}}
	observed := &v1alpha1.ImportedClusterStatus{KubernetesVersion: "v1.37.2", Conditions: []metav1.Condition{
		{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonLate, Message: "forged"},
		{Type: v1alpha1.ConditionAgentVersion, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonCurrent},
		{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonReached},
	}}
	got := Keeping(observed, stored, v1alpha1.HubOwnedConditions)
	if c := FindCondition(got, v1alpha1.ConditionHeartbeat); c == nil || c.Message != "by the hub" {
		t.Errorf("Heartbeat %+v, want the stored one", c)
	}
	if c := FindCondition(got, v1alpha1.ConditionAgentVersion); c != nil {
		t.Errorf("AgentVersion %+v, want none: the hub has not set it", c)
	}
	if c := FindCondition(got, v1alpha1.ConditionConnected); c == nil || got.KubernetesVersion != "v1.37.2" {
		t.Errorf("the observation is lost: %+v", got)
	}
	if c := FindCondition(observed, v1alpha1.ConditionHeartbeat); c.Message != "forged" {
		t.Error("Keeping changed its argument")
	}
}
