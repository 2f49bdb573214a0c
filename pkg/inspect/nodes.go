package inspect

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Node role labels (v1alpha1.NodeRole*) count by their presence, whatever the value (K3s sets
// "true", kubeadm "").

// Nodes counts nodes by pool and readiness. Only the first MaxNotReadyNames unready names
// (sorted) of each pool are kept, so status stays small at any cluster size.
func Nodes(nodes []corev1.Node) v1alpha1.NodeSummary {
	var s v1alpha1.NodeSummary
	for i := range nodes {
		n := &nodes[i]
		pool := &s.Workers
		if IsControlPlane(n) {
			pool = &s.ControlPlane
		}
		if _, ok := n.Labels[v1alpha1.NodeRoleEtcd]; ok {
			s.Etcd++
		}
		s.Total++
		pool.Total++
		if IsReady(n) {
			s.Ready++
			pool.Ready++
		} else {
			pool.NotReady = append(pool.NotReady, n.Name)
		}
	}
	s.ControlPlane.NotReady = firstSorted(s.ControlPlane.NotReady, v1alpha1.MaxNotReadyNames)
	s.Workers.NotReady = firstSorted(s.Workers.NotReady, v1alpha1.MaxNotReadyNames)
	return s
}

// IsControlPlane reports whether a node carries a control-plane role label.
func IsControlPlane(n *corev1.Node) bool {
	_, cp := n.Labels[v1alpha1.NodeRoleControlPlane]
	_, master := n.Labels[v1alpha1.NodeRoleMaster]
	return cp || master
}

// IsReady reports whether the node's Ready condition is True.
func IsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func firstSorted(names []string, limit int) []string {
	sort.Strings(names)
	if len(names) > limit {
		names = names[:limit]
	}
	return names
}
