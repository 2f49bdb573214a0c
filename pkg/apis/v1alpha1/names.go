package v1alpha1

// Names shared by the plugin, the reconciler and the webhook.
const (
	// HubNamespace holds the hub's credentials Secrets and the webhook.
	HubNamespace = "kimport-system"
	// Finalizer makes the reconciler clean the downstream before the record goes.
	Finalizer = "kimport.dev/cleanup"
	// ProjectLabel marks downstream namespaces with their project.
	ProjectLabel = "kimport.dev/project"
	// ManagedByLabel marks every object the import created.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of ManagedByLabel.
	ManagedByValue = "kubectl-import"
	// ClusterLabel names the ImportedCluster an object belongs to.
	ClusterLabel = "kimport.dev/cluster"
	// ClusterIDLabel carries the clusterID on hub objects that must be found by it.
	ClusterIDLabel = "kimport.dev/cluster-id"

	// CapabilityPrefix is the annotation prefix Rancher's code reads.
	CapabilityPrefix = "capabilities/"
	// CapabilityPrefixCattle is the annotation prefix Rancher's documentation shows.
	CapabilityPrefixCattle = "capabilities.cattle.io/"
)

// CredentialsSecretName is the name of the hub Secret holding a cluster's credentials.
func CredentialsSecretName(cluster string) string { return cluster + "-credentials" }

// IdentityClaimName is the name of the object that claims a clusterID in the hub. Creating
// it is atomic, so two imports of one cluster under two names cannot both win.
func IdentityClaimName(clusterID string) string { return "cluster-" + clusterID }
