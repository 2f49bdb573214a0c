package common

import "github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"

// WaitingForJoin is shown for the identity fields of a registration made by `kubectl import
// create` that `kubectl import join` has not completed yet.
const WaitingForJoin = "<waiting for join>"

// IdentityValue shows spec.clusterID or spec.apiServer (value) of ic: WaitingForJoin while
// the registration waits for join (it has no clusterID) and value is unset, else
// ValueOrNone(value).
func IdentityValue(ic *v1alpha1.ImportedCluster, value string) string {
	if value == "" && ic.Spec.ClusterID == "" {
		return WaitingForJoin
	}
	return ValueOrNone(value)
}
