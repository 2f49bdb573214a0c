// Package inspect derives what the hub reports about a downstream cluster (distribution, node
// pools, projects) from what its API server returns. Pure functions: no client, no I/O.
package inspect

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// aksClusterLabel is put on every node of an AKS cluster.
const aksClusterLabel = "kubernetes.azure.com/cluster"

// ReadsLabel says whether anything the hub derives from nodes (roles, pools, distribution,
// upgrade progress) reads the node label key: a probe keeps only those.
func ReadsLabel(key string) bool {
	return strings.HasPrefix(key, "node-role.kubernetes.io/") || strings.HasPrefix(key, v1alpha1.PlanLabelPrefix) || key == aksClusterLabel
}

// Distribution tells which Kubernetes distribution runs the cluster, from the server's
// gitVersion first (K3s and RKE2 stamp it), then from what the cloud providers put on nodes.
func Distribution(gitVersion string, nodes []corev1.Node) v1alpha1.Distribution {
	switch {
	case strings.Contains(gitVersion, "+k3s"):
		return v1alpha1.DistK3s
	case strings.Contains(gitVersion, "+rke2"):
		return v1alpha1.DistRKE2
	case strings.Contains(gitVersion, "-eks-") || anyProviderID(nodes, "aws://"):
		return v1alpha1.DistEKS
	case strings.Contains(gitVersion, "-gke.") || anyProviderID(nodes, "gce://"):
		return v1alpha1.DistGKE
	case anyProviderID(nodes, "azure://") || anyLabel(nodes, aksClusterLabel):
		return v1alpha1.DistAKS
	}
	return v1alpha1.DistGeneric
}

func anyProviderID(nodes []corev1.Node, prefix string) bool {
	for i := range nodes {
		if strings.HasPrefix(nodes[i].Spec.ProviderID, prefix) {
			return true
		}
	}
	return false
}

func anyLabel(nodes []corev1.Node, key string) bool {
	for i := range nodes {
		if _, ok := nodes[i].Labels[key]; ok {
			return true
		}
	}
	return false
}
