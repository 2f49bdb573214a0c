package inspect

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func node(name string, ready corev1.ConditionStatus, labels ...string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	for _, l := range labels {
		n.Labels[l] = ""
	}
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeReady, Status: ready},
		}
	}
	return n
}

func TestNodes(t *testing.T) {
	tests := []struct {
		name  string
		nodes []corev1.Node
		want  v1alpha1.NodeSummary
	}{
		{"empty", nil, v1alpha1.NodeSummary{}},
		{
			name: "k3s servers with etcd and agents",
			nodes: []corev1.Node{
				node("s1", corev1.ConditionTrue, v1alpha1.NodeRoleControlPlane, v1alpha1.NodeRoleMaster, v1alpha1.NodeRoleEtcd),
				node("s2", corev1.ConditionFalse, v1alpha1.NodeRoleControlPlane, v1alpha1.NodeRoleMaster, v1alpha1.NodeRoleEtcd),
				node("s3", corev1.ConditionTrue, v1alpha1.NodeRoleControlPlane, v1alpha1.NodeRoleMaster, v1alpha1.NodeRoleEtcd),
				node("a2", corev1.ConditionUnknown),
				node("a1", corev1.ConditionTrue),
				node("a0", ""), // no Ready condition yet: not ready
			},
			want: v1alpha1.NodeSummary{
				Total: 6, Ready: 3, Etcd: 3,
				ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 2, NotReady: []string{"s2"}},
				Workers:      v1alpha1.PoolSummary{Total: 3, Ready: 1, NotReady: []string{"a0", "a2"}},
			},
		},
		{
			name:  "legacy master label alone is control plane",
			nodes: []corev1.Node{node("m", corev1.ConditionTrue, v1alpha1.NodeRoleMaster)},
			want:  v1alpha1.NodeSummary{Total: 1, Ready: 1, ControlPlane: v1alpha1.PoolSummary{Total: 1, Ready: 1}},
		},
		{
			name:  "external etcd node without control plane is a worker counted as etcd",
			nodes: []corev1.Node{node("e", corev1.ConditionTrue, v1alpha1.NodeRoleEtcd)},
			want:  v1alpha1.NodeSummary{Total: 1, Ready: 1, Etcd: 1, Workers: v1alpha1.PoolSummary{Total: 1, Ready: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Nodes(tt.nodes); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Nodes() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestNodesBoundsNotReadyNames(t *testing.T) {
	var nodes []corev1.Node
	for i := 99; i >= 0; i-- { // reverse order: the result must be sorted
		nodes = append(nodes, node(fmt.Sprintf("w%03d", i), corev1.ConditionFalse))
	}
	got := Nodes(nodes)
	if got.Workers.Total != 100 || got.Workers.Ready != 0 || got.Total != 100 {
		t.Fatalf("counts = %+v, want 100 workers, 0 ready", got)
	}
	if len(got.Workers.NotReady) != v1alpha1.MaxNotReadyNames {
		t.Fatalf("len(NotReady) = %d, want %d", len(got.Workers.NotReady), v1alpha1.MaxNotReadyNames)
	}
	if got.Workers.NotReady[0] != "w000" || got.Workers.NotReady[19] != "w019" {
		t.Errorf("NotReady = %v, want w000..w019", got.Workers.NotReady)
	}
}
