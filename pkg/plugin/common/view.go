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

// DisplayName defaults to the object's name, as the API documents.
func DisplayName(ic *v1alpha1.ImportedCluster) string {
	if ic.Spec.DisplayName != "" {
		return ic.Spec.DisplayName
	}
	return ic.Name
}

// Mode is spec.mode; a cluster imported before spec.mode existed is in direct mode.
func Mode(ic *v1alpha1.ImportedCluster) v1alpha1.Mode {
	if ic.Spec.AgentMode() {
		return v1alpha1.ModeAgent
	}
	return v1alpha1.ModeDirect
}
