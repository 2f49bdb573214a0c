package v1alpha1

import "k8s.io/apimachinery/pkg/runtime/schema"

// What an import puts in a downstream cluster, named once for the plugin (which creates it),
// the hub and the agent (which use it), the fence that narrows the agent's rights and the
// rules. Names that one package alone uses stay with it (pkg/agent: its Role, policies and
// the upgrade limits).
const (
	// AgentNamespace holds, in a downstream, the agent, its hub Secret, the registration
	// marker and, as Rancher's import has it, the system-upgrade-controller with its plans.
	AgentNamespace = "cattle-system"
	// AgentServiceAccount is the downstream identity of the import: the agent runs as it in
	// agent mode, and the hub's stored token is one of its tokens in direct mode.
	AgentServiceAccount = "kimport-agent"
	// AgentUser is the user name the downstream's API server gives AgentServiceAccount.
	AgentUser = "system:serviceaccount:" + AgentNamespace + ":" + AgentServiceAccount
	// AgentClusterRole names the agent's ClusterRole and its binding; every other downstream
	// object of the import is owned by it, so deleting it removes the import.
	AgentClusterRole = "kimport-agent"
	// AgentDeployment names the agent's Deployment (agent mode) and its container.
	AgentDeployment = "kimport-agent"
	// AgentLeaderElection names the Lease in AgentNamespace by which one agent replica leads.
	AgentLeaderElection = "kimport-agent-leader"
	// AgentComponent is how the agent names itself towards API servers: its user agent, field
	// manager and controller name.
	AgentComponent = "kimport-agent"
	// ImpersonatorServiceAccount is the identity by which the hub gateway's requests reach a
	// downstream (the agent in agent mode, the hub in direct mode mint its short-lived tokens):
	// it may impersonate exactly the identities the gateway gives the cluster's members, by
	// its ClusterRole and binding of the same name (ImpersonatorClusterRole), which the
	// synchronisation keeps in step with spec.members.
	ImpersonatorServiceAccount = "kimport-impersonator"
	// ImpersonatorUser is the user name the downstream's API server gives it.
	ImpersonatorUser = "system:serviceaccount:" + AgentNamespace + ":" + ImpersonatorServiceAccount
	// ImpersonatorClusterRole names its ClusterRole and ClusterRoleBinding.
	ImpersonatorClusterRole = "kimport-impersonator"
	// ImageRepository carries one image for the hub component and the agent; the tag is the
	// version.
	ImageRepository = "ghcr.io/kubectl-import/webhook"

	// MemberLabel marks member ClusterRoleBindings so that removed members can be pruned.
	MemberLabel = "kimport.dev/member"
)

// The registration marker: a ConfigMap in AgentNamespace that says which hub imported the
// cluster, under which name.
const (
	MarkerConfigMap   = "kimport-registration"
	MarkerHubID       = "hubID"
	MarkerHubServer   = "hubServer"
	MarkerClusterName = "clusterName"
	MarkerClusterID   = "clusterID"
	// MarkerHubPhase is the phase the hub last reported for the cluster, written by whoever
	// runs the sync: `join` waits on it, and anyone on the downstream can read it.
	MarkerHubPhase = "hubPhase"
	// MarkerCreatedNamespace says the import created AgentNamespace (and removes it).
	MarkerCreatedNamespace = "createdNamespace"
)

// The agent's way into the hub (agent mode): the downstream Secret AgentHubSecret in
// AgentNamespace, written by the import. It is the agent's one source of the hub's URL and CA,
// the CA's pin, its cluster's name and its hub token; only the agent's renewal of the token
// passes the fence.
const (
	AgentHubSecret        = "kimport-agent-hub"
	AgentHubKeyServer     = "server"
	AgentHubKeyCA         = "ca.crt"
	AgentHubKeyCAChecksum = "caChecksum"
	AgentHubKeyCluster    = "cluster"
	AgentHubKeyToken      = "token"
)

// The About API (KEP-2149): the sync publishes the cluster's ID and its cluster set (the hub)
// as two ClusterProperties when the downstream serves that API.
var ClusterPropertyGVR = schema.GroupVersionResource{Group: "about.k8s.io", Version: "v1alpha1", Resource: "clusterproperties"}

// Names of the ClusterProperties the sync writes, and only these; a ClusterProfile carries
// the first as a property too (KEP-2149: the cluster's ID, here its kube-system UID).
const (
	ClusterIDProperty  = "cluster.clusterset.k8s.io"
	ClusterSetProperty = "clusterset.k8s.io"
)

// ClusterPropertyNames are the ClusterProperties the sync writes.
var ClusterPropertyNames = []string{ClusterIDProperty, ClusterSetProperty}

// ImportLabels are put on every object the import creates, in the hub and in the downstream.
func ImportLabels(cluster string) map[string]string {
	return map[string]string{ManagedByLabel: ManagedByValue, ClusterLabel: cluster}
}
