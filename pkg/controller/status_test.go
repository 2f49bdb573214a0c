package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := phaseFor(tt.ic); got != tt.want {
				t.Errorf("phaseFor() = %q, want %q", got, tt.want)
			}
		})
	}
}

// A probe that changes nothing but lastProbeTime must not write status, until the stored
// lastProbeTime is older than the refresh period.
func TestUnchangedSparesLastProbeTimeWrites(t *testing.T) {
	r := &Reconciler{Options: Options{ProbeInterval: time.Second}.withDefaults()}
	t0 := metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(t0.Add(d)); return &t }
	before := &v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, LastProbeTime: &t0, KubernetesVersion: "v1.37.2"}
	tests := []struct {
		name  string
		after v1alpha1.ImportedClusterStatus
		want  bool
	}{
		{"identical", *before, true},
		{"newer probe time only", v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, LastProbeTime: at(5 * time.Second), KubernetesVersion: "v1.37.2"}, true},
		{"probe time stale", v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, LastProbeTime: at(10 * time.Second), KubernetesVersion: "v1.37.2"}, false},
		{"version changed", v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, LastProbeTime: at(time.Second), KubernetesVersion: "v1.37.3"}, false},
		{"probe time cleared", v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, KubernetesVersion: "v1.37.2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.unchanged(before, &tt.after); got != tt.want {
				t.Errorf("unchanged() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClusterOfSecret(t *testing.T) {
	secret := func(ns string, labels map[string]string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "x", Labels: labels}}
	}
	if got := clusterOfSecret(context.Background(), secret(v1alpha1.HubNamespace, map[string]string{v1alpha1.ClusterLabel: "prod"})); len(got) != 1 || got[0].NamespacedName != (client.ObjectKey{Name: "prod"}) {
		t.Errorf("labelled hub Secret maps to %v, want cluster prod", got)
	}
	if got := clusterOfSecret(context.Background(), secret("other", map[string]string{v1alpha1.ClusterLabel: "prod"})); got != nil {
		t.Errorf("Secret outside %s maps to %v, want nothing", v1alpha1.HubNamespace, got)
	}
	if got := clusterOfSecret(context.Background(), secret(v1alpha1.HubNamespace, nil)); got != nil {
		t.Errorf("unlabelled Secret maps to %v, want nothing", got)
	}
}

func TestLeftBehindNamesEverything(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{
		Spec: v1alpha1.ImportedClusterSpec{Members: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "a", Role: v1alpha1.RoleOwner}}},
		Status: v1alpha1.ImportedClusterStatus{Projects: []v1alpha1.Project{
			{Name: "Default", Namespaces: []string{"default"}}, {Name: "System", Namespaces: []string{"kube-system"}}}},
	}
	want := "ClusterRoleBindings kimport-member-" // followed by the member's hash
	got := leftBehind(ic)
	for _, part := range []string{want, "label kimport.dev/project on namespaces default, kube-system",
		"ClusterRole kimport-agent and what it owns", "ConfigMap kimport-registration in cattle-system"} {
		if !strings.Contains(got, part) {
			t.Errorf("leftBehind() = %q, want it to contain %q", got, part)
		}
	}
}

// A join token whose expiry cannot be read is treated as expired: revoked, never kept.
func TestJoinTokenExpiry(t *testing.T) {
	at := func(v string) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{v1alpha1.JoinExpiresAnnotation: v}}}
	}
	for v, want := range map[string]bool{
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339):    false,
		time.Now().Add(-time.Second).UTC().Format(time.RFC3339): true,
		"tomorrow": true,
		"":         true,
	} {
		tok, ok := joinTokenOf(at(v))
		if !ok || tok.expired() != want || tok.expiresAt != v {
			t.Errorf("%q: token %+v (present %v), expired %v; want expired %v", v, tok, ok, tok.expired(), want)
		}
	}
	if _, ok := joinTokenOf(&v1alpha1.ImportedCluster{}); ok {
		t.Error("a cluster without the annotation has a join token")
	}
}
