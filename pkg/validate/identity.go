package validate

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	clusterIDPath   = field.NewPath("spec", "clusterID")
	apiServerPath   = field.NewPath("spec", "apiServer")
	credentialsPath = field.NewPath("spec", "credentialsSecretRef", "name")
)

// Identity applies the identity rule. oldObj is nil on CREATE. others are the existing
// ImportedClusters with newObj's spec.clusterID (from a cache index); entries with another
// clusterID or newObj's own name are ignored, so the caller need not filter.
//
// CREATE: refused when another ImportedCluster holds the clusterID, naming it and saying how
// to proceed. One being deleted still counts: until its finalizer has cleaned the downstream
// it owns the objects a new import would create there, and its cleanup would remove them.
//
// UPDATE: spec.clusterID never changes; while the cluster is Active or Upgrading (reachable
// and in use), spec.apiServer and spec.credentialsSecretRef cannot be re-pointed. Pending and
// Unavailable clusters may be re-pointed: that is how an import is repaired, e.g. after the
// downstream's endpoint moved. Duplicates are not checked on UPDATE, so that records created
// while the webhook was down can still be edited and deleted.
func Identity(newObj, oldObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster) Result {
	var r Result
	if oldObj == nil {
		for _, holder := range holders(newObj, others) {
			r.refuse(field.Invalid(clusterIDPath, shown(newObj.Spec.ClusterID), alreadyImported(holder)))
		}
		return r
	}
	if newObj.Spec.ClusterID != oldObj.Spec.ClusterID {
		r.refuse(field.Invalid(clusterIDPath, shown(newObj.Spec.ClusterID), fmt.Sprintf(
			"is immutable (it is %q): it names the downstream cluster; to import another cluster, create another ImportedCluster",
			shown(oldObj.Spec.ClusterID))))
	}
	if phase := oldObj.Status.Phase; phase == v1alpha1.PhaseActive || phase == v1alpha1.PhaseUpgrading {
		repoint := func(p *field.Path, now, was string) {
			if now != was {
				r.refuse(field.Invalid(p, shown(now), fmt.Sprintf(
					"re-pointing an %s cluster is refused (it is %q); to move it, `kubectl import delete %s` and import it again",
					phase, shown(was), oldObj.Name)))
			}
		}
		repoint(apiServerPath, newObj.Spec.APIServer, oldObj.Spec.APIServer)
		repoint(credentialsPath, newObj.Spec.CredentialsSecretRef.Name, oldObj.Spec.CredentialsSecretRef.Name)
	}
	return r
}

// holders are the other ImportedClusters holding newObj's clusterID, sorted by name.
func holders(newObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster) []*v1alpha1.ImportedCluster {
	var out []*v1alpha1.ImportedCluster
	for i := range others {
		o := &others[i]
		if o.Spec.ClusterID == newObj.Spec.ClusterID && o.Name != newObj.Name {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// alreadyImported says which ImportedCluster holds the identity and how to proceed.
func alreadyImported(holder *v1alpha1.ImportedCluster) string {
	name := shown(holder.Name)
	switch {
	case holder.DeletionTimestamp != nil:
		return fmt.Sprintf("this cluster is being disconnected as %q; wait until `kubectl import delete %s` has finished, then import it again", name, name)
	case holder.Status.Phase == v1alpha1.PhaseActive:
		return fmt.Sprintf("this cluster is already imported as %q (Active); to import it under another name, run `kubectl import delete %s` first", name, name)
	}
	phase := holder.Status.Phase
	if phase == "" {
		phase = v1alpha1.PhasePending
	}
	return fmt.Sprintf("this cluster is already imported as %q (%s); re-run `kubectl import cluster %s` to repair it, or `kubectl import delete %s` first",
		name, phase, name, name)
}
