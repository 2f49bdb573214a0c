package inspect

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestDistribution(t *testing.T) {
	withProvider := func(id string) []corev1.Node {
		return []corev1.Node{{Spec: corev1.NodeSpec{ProviderID: id}}}
	}
	withLabel := func(key string) []corev1.Node {
		return []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{key: "x"}}}}
	}
	tests := []struct {
		name    string
		version string
		nodes   []corev1.Node
		want    v1alpha1.Distribution
	}{
		{"k3s version", "v1.37.2+k3s1", nil, v1alpha1.DistK3s},
		{"k3s wins over cloud provider", "v1.37.2+k3s1", withProvider("aws:///eu-west-1a/i-1"), v1alpha1.DistK3s},
		{"rke2 version", "v1.31.2+rke2r1", nil, v1alpha1.DistRKE2},
		{"eks version", "v1.30.5-eks-ce1d5eb", nil, v1alpha1.DistEKS},
		{"eks provider id", "v1.30.5", withProvider("aws:///eu-west-1a/i-0abc"), v1alpha1.DistEKS},
		{"gke version", "v1.30.5-gke.1014001", nil, v1alpha1.DistGKE},
		{"gke provider id", "v1.30.5", withProvider("gce://proj/europe-west1-b/node-1"), v1alpha1.DistGKE},
		{"aks provider id", "v1.30.5", withProvider("azure:///subscriptions/x/vm-1"), v1alpha1.DistAKS},
		{"aks label", "v1.30.5", withLabel("kubernetes.azure.com/cluster"), v1alpha1.DistAKS},
		{"plain", "v1.37.2", withLabel("kubernetes.io/hostname"), v1alpha1.DistGeneric},
		{"no nodes", "v1.37.2", nil, v1alpha1.DistGeneric},
		{"k3s-like name without plus", "v1.37.2-k3s1", nil, v1alpha1.DistGeneric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Distribution(tt.version, tt.nodes); got != tt.want {
				t.Errorf("Distribution(%q) = %q, want %q", tt.version, got, tt.want)
			}
		})
	}
}
