package inventory

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// NotOurs says why profile is not the ClusterProfile this hub keeps for the ImportedCluster
// named cluster (uid its UID; "" when the record is gone and only its name is known), or ""
// when it is: labelled x-k8s.io/cluster-manager=kubectl-import AND owned by that record. A
// profile of the same name written by another cluster manager (KEP-4322 wants exactly one
// manager per profile), or by hand, is left alone: never updated, never deleted.
func NotOurs(profile *unstructured.Unstructured, cluster string, uid types.UID) string {
	manager := profile.GetLabels()[v1alpha1.ClusterManagerLabel]
	owned := false
	for _, ref := range profile.GetOwnerReferences() {
		if ref.APIVersion == v1alpha1.GroupVersion.String() && ref.Kind == "ImportedCluster" && ref.Name == cluster && (uid == "" || ref.UID == uid) {
			owned = true
		}
	}
	switch {
	case manager != v1alpha1.ClusterManager && !owned:
		return fmt.Sprintf("its label %s is %q and it has no owner reference to importedcluster %s", v1alpha1.ClusterManagerLabel, manager, cluster)
	case manager != v1alpha1.ClusterManager:
		return fmt.Sprintf("its label %s is %q, not %q", v1alpha1.ClusterManagerLabel, manager, v1alpha1.ClusterManager)
	case !owned:
		return fmt.Sprintf("it has no owner reference to importedcluster %s (uid %s)", cluster, uid)
	}
	return ""
}
