package v1alpha1

import "k8s.io/apimachinery/pkg/runtime/schema"

// SIG-Multicluster's ClusterProfile API (KEP-4322), through which the hub publishes each
// ImportedCluster (pkg/inventory) and `describe` and `init` read and place it.
var (
	ClusterProfileGVK = schema.GroupVersionKind{Group: "multicluster.x-k8s.io", Version: "v1alpha1", Kind: "ClusterProfile"}
	// ClusterProfileResource names the resource in errors and help.
	ClusterProfileResource = "clusterprofiles.multicluster.x-k8s.io"
)

// Names the KEPs define, and where the hub keeps its profiles.
const (
	// ClusterManagerLabel (KEP-4322) says which cluster manager a ClusterProfile belongs to.
	ClusterManagerLabel = "x-k8s.io/cluster-manager"
	// ClusterManager is this manager's name, in the label and spec.clusterManager.name.
	ClusterManager = ManagedByValue
	// ConditionControlPlaneHealthy (KEP-4322) is True while the control plane is healthy.
	ConditionControlPlaneHealthy = "ControlPlaneHealthy"
	// ClusterProfileNamespace holds the ClusterProfiles unless the hub component is told
	// otherwise (--cluster-profile-namespace).
	ClusterProfileNamespace = HubNamespace
)
