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

// The names the plugin and the hub component give themselves towards API servers, each
// defined once.
const (
	// FieldManager owns every field the plugin writes (server-side apply, create, patch,
	// update), in the hub and in downstreams, and the K3s plans.
	FieldManager = "kubectl-import"
	// UserAgent is the plugin's user agent towards the hub and downstreams.
	UserAgent = "kubectl-import"
	// ReconcilerName names the hub component's reconciler: the controller, the source of its
	// events and its user agent towards downstreams.
	ReconcilerName = "kimport-reconciler"
)

// The hub component's two Deployments (deploy/base), each running as its ServiceAccount of
// the same name in HubNamespace.
const (
	// WebhookComponent serves admission (kimport-webhook).
	WebhookComponent = "kimport-webhook"
	// ControllerComponent runs the reconciler and the inventory controller (kimport-controller).
	ControllerComponent = "kimport-controller"
	// GatewayComponent names the Service (and its serving certificate's Secret, with -tls)
	// through which the hub API server reaches the gateway, served by ControllerComponent.
	GatewayComponent = "kimport-gateway"
	// WebhookUser and ControllerUser are their users in the hub; ControllerUser alone writes
	// status (besides agents, each its own cluster's).
	WebhookUser    = "system:serviceaccount:" + HubNamespace + ":" + WebhookComponent
	ControllerUser = "system:serviceaccount:" + HubNamespace + ":" + ControllerComponent
)

// Ref is how kubectl names the ImportedCluster name: importedcluster.kimport.dev/NAME.
func Ref(name string) string { return "importedcluster." + GroupVersion.Group + "/" + name }

// CredentialsSecretName is the name of the hub Secret holding a cluster's credentials.
func CredentialsSecretName(cluster string) string { return cluster + "-credentials" }

// IdentityClaimName is the name of the object that claims a clusterID in the hub. Creating
// it is atomic, so two imports of one cluster under two names cannot both win.
func IdentityClaimName(clusterID string) string { return "cluster-" + clusterID }

// Two-step import (`kubectl import create` then `kubectl import join`).
const (
	// HubIDAnnotation on an ImportedCluster records the hub's identity (the UID of its
	// kube-system namespace) for `join`, whose token cannot read the hub's namespaces.
	HubIDAnnotation = "kimport.dev/hub-id"
	// JoinExpiresAnnotation on an ImportedCluster waiting for `join` is when its join token
	// expires (RFC 3339). The reconciler revokes the token then (keeping the annotation while
	// the registration still waits, so `create --rotate-token` can follow), or as soon as the
	// cluster is Active, removing the annotation.
	JoinExpiresAnnotation = "kimport.dev/join-expires-at"
	// JoinFieldManager owns the fields `join` sets in the hub.
	JoinFieldManager = "kubectl-import-join"
	// joinPrefix starts the names of a registration's join identity and its RBAC.
	joinPrefix = "kimport-join-"
	// MaxJoinClusterName is the longest cluster name whose join objects have valid names.
	MaxJoinClusterName = 253 - len(joinPrefix)
)

// JoinName names a registration's join ServiceAccount (in HubNamespace) and its Role,
// RoleBinding, ClusterRole and ClusterRoleBinding: they allow completing that one registration.
func JoinName(cluster string) string { return joinPrefix + cluster }

// JoinUsername is the user name the API server gives the join ServiceAccount of cluster.
func JoinUsername(cluster string) string {
	return "system:serviceaccount:" + HubNamespace + ":" + JoinName(cluster)
}

// JoinCluster is the cluster whose join ServiceAccount username is, or "" when username is
// not a join identity.
func JoinCluster(username string) string {
	prefix := "system:serviceaccount:" + HubNamespace + ":" + joinPrefix
	if len(username) <= len(prefix) || username[:len(prefix)] != prefix {
		return ""
	}
	return username[len(prefix):]
}

// Agent mode: each downstream's kimport-agent has its own hub identity.
const (
	// agentPrefix starts the names of a cluster's agent ServiceAccount in the hub and its RBAC.
	agentPrefix = "kimport-agent-"
	// heartbeatPrefix starts the name of a cluster's heartbeat Lease in HubNamespace.
	heartbeatPrefix = "cluster-"
	// HeartbeatLabel marks heartbeat Leases, so the hub caches and watches only those.
	HeartbeatLabel = "kimport.dev/heartbeat"
	// AgentBootstrapAnnotation on a registration made by `kubectl import create` records the
	// UID of the agent's bootstrap Secret, to which `join` (which may not read Secrets) binds
	// the agent's bootstrap token.
	AgentBootstrapAnnotation = "kimport.dev/agent-bootstrap-uid"
)

// AgentName names the agent ServiceAccount of cluster in HubNamespace, and its Role,
// RoleBinding, ClusterRole and ClusterRoleBinding.
func AgentName(cluster string) string { return agentPrefix + cluster }

// AgentBootstrapName names the hub Secret a bootstrap token of the agent is bound to: deleting
// it (the agent does, once it has its own token) ends that token.
func AgentBootstrapName(cluster string) string { return agentPrefix + cluster + "-bootstrap" }

// AgentSessionName names the hub Secret every token the agent of cluster requests for itself
// is bound to: it holds nothing, and deleting it ends all of them at once (the bootstrap
// token has its own, AgentBootstrapName).
func AgentSessionName(cluster string) string { return agentPrefix + cluster + "-session" }

// AgentUsername is the user name the hub's API server gives the agent of cluster.
func AgentUsername(cluster string) string {
	return "system:serviceaccount:" + HubNamespace + ":" + AgentName(cluster)
}

// AgentCluster is the cluster whose agent username is, or "" when username is no agent.
func AgentCluster(username string) string {
	prefix := "system:serviceaccount:" + HubNamespace + ":" + agentPrefix
	if len(username) <= len(prefix) || username[:len(prefix)] != prefix {
		return ""
	}
	return username[len(prefix):]
}

// HeartbeatName names the Lease in HubNamespace that the agent of cluster renews.
func HeartbeatName(cluster string) string { return heartbeatPrefix + cluster }

// HeartbeatCluster is the cluster whose heartbeat Lease is named name, or "" when name is no
// heartbeat Lease's. The name is the only thing that says whose heartbeat a Lease is: its
// labels are written by whoever may update it.
func HeartbeatCluster(name string) string {
	if len(name) <= len(heartbeatPrefix) || name[:len(heartbeatPrefix)] != heartbeatPrefix {
		return ""
	}
	return name[len(heartbeatPrefix):]
}
