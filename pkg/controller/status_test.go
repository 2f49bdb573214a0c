package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

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
			if got := status.Unchanged(before, &tt.after, r.Options.lastProbeRefresh()); got != tt.want {
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
