package importer

import (
	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// PhaseOf is the phase as shown to users, "not yet reported" before the first reconcile.
func PhaseOf(ic *v1alpha1.ImportedCluster) string {
	if ic.Status.Phase == "" {
		return "not yet reported"
	}
	return string(ic.Status.Phase)
}

// ClaimHolder is the name of the ImportedCluster an identity claim (ClaimIdentity) is held for.
func ClaimHolder(l *coordinationv1.Lease) string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}
