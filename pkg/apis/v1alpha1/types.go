package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImportedCluster is an existing Kubernetes cluster imported into the hub.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ic,categories=kimport
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Distribution",type=string,JSONPath=`.status.distribution`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Nodes",type=integer,JSONPath=`.status.nodes.total`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.spec.credentialsSecretRef.name == self.metadata.name + '-credentials'",message="spec.credentialsSecretRef.name must be the ImportedCluster's name followed by -credentials (prod-credentials for prod): the hub deletes that Secret with the cluster, so it may name no other Secret"
type ImportedCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ImportedClusterSpec   `json:"spec"`
	Status ImportedClusterStatus `json:"status,omitempty"`
}

// ImportedClusterList is a list of ImportedClusters.
// +kubebuilder:object:root=true
type ImportedClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ImportedCluster `json:"items"`
}

// ImportedClusterSpec is what the user (through the plugin) asks for.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.clusterID) || (has(self.clusterID) && self.clusterID == oldSelf.clusterID)",message="spec.clusterID is immutable once set: delete the ImportedCluster and import the cluster again"
type ImportedClusterSpec struct {
	// ClusterID is the UID of the downstream kube-system namespace: the cluster's identity, a
	// lowercase UUID. Empty only while a registration made by `kubectl import create` waits
	// for `join`; once set it never changes. (Stored objects from before the pattern keep
	// their value: the API server ratchets unchanged fields.)
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
	// +kubebuilder:validation:MaxLength=36
	// +optional
	ClusterID string `json:"clusterID,omitempty"`

	// DisplayName is a human-friendly name; defaults to metadata.name when empty.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// APIServer is the https URL the hub uses to reach the downstream API server. Empty only
	// while a registration waits for `join`.
	// +kubebuilder:validation:Pattern=`^https://`
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	APIServer string `json:"apiServer,omitempty"`

	// CredentialsSecretRef names the Secret in kimport-system that holds the downstream CA,
	// endpoint and agent token. It must be NAME-credentials, NAME being the ImportedCluster's:
	// the hub deletes this Secret with the cluster.
	CredentialsSecretRef SecretReference `json:"credentialsSecretRef"`

	// Members are the users and groups given a role in the downstream cluster.
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	// +optional
	Members []Member `json:"members,omitempty"`

	// Projects are the cluster's projects: Default and System, which always exist (an entry
	// of that name adds namespaces and members to them), and the projects users create. Each
	// gives its members a role in each of its namespaces.
	// +kubebuilder:validation:MaxItems=128
	// +listType=map
	// +listMapKey=name
	// +optional
	Projects []ProjectSpec `json:"projects,omitempty"`

	// K3s holds the K3s upgrade settings; only for K3s clusters.
	// +optional
	K3s *K3sSpec `json:"k3s,omitempty"`

	// Mode says who synchronises the downstream: Agent (its agent dials out to the hub; the
	// hub holds no downstream credential and needs no route to it) or Direct (the hub reaches
	// the API server with the credentials Secret). Empty means Direct: records made before
	// agent mode existed.
	// +optional
	Mode Mode `json:"mode,omitempty"`
}

// Mode is how the hub and a downstream are connected.
// +kubebuilder:validation:Enum=Agent;Direct
type Mode string

const (
	// ModeAgent: kimport-agent runs in the downstream and dials out to the hub.
	ModeAgent Mode = "Agent"
	// ModeDirect: the hub dials the downstream's API server.
	ModeDirect Mode = "Direct"
)

// AgentMode reports whether the cluster is synchronised by its own agent.
func (s *ImportedClusterSpec) AgentMode() bool { return s.Mode == ModeAgent }

// SecretReference names a Secret in the hub namespace kimport-system.
type SecretReference struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// MemberKind is the kind of subject a member role is given to.
// +kubebuilder:validation:Enum=User;Group
type MemberKind string

const (
	MemberUser  MemberKind = "User"
	MemberGroup MemberKind = "Group"
)

// MemberRole is a cluster role a member may get.
// +kubebuilder:validation:Enum=cluster-owner;cluster-member
type MemberRole string

const (
	// RoleOwner maps to the downstream ClusterRole cluster-admin.
	RoleOwner MemberRole = "cluster-owner"
	// RoleMember maps to the downstream ClusterRole view.
	RoleMember MemberRole = "cluster-member"
)

// Member gives one user or group a role in the downstream cluster.
type Member struct {
	Kind MemberKind `json:"kind"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string     `json:"name"`
	Role MemberRole `json:"role"`
}

// K3sSpec is the desired K3s version and how to roll it out.
type K3sSpec struct {
	// Version is the target K3s version, e.g. v1.30.4+k3s1.
	// +kubebuilder:validation:Pattern=`^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$`
	// +optional
	Version string `json:"version,omitempty"`
	// +kubebuilder:default={}
	// +optional
	UpgradeStrategy UpgradeStrategy `json:"upgradeStrategy,omitempty"`
}

// UpgradeStrategy bounds how many nodes of each pool upgrade at once.
type UpgradeStrategy struct {
	// ServerConcurrency is the maximum number of server (control-plane) nodes upgraded at once.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=1
	// +optional
	ServerConcurrency int32 `json:"serverConcurrency,omitempty"`
	// WorkerConcurrency is the maximum number of worker (agent) nodes upgraded at once.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=1
	// +optional
	WorkerConcurrency int32 `json:"workerConcurrency,omitempty"`
	// +optional
	DrainServerNodes bool `json:"drainServerNodes,omitempty"`
	// +optional
	DrainWorkerNodes bool `json:"drainWorkerNodes,omitempty"`
}

// Phase is the lifecycle phase of an ImportedCluster.
// +kubebuilder:validation:Enum=Pending;Active;Unavailable;Upgrading;Disconnecting
type Phase string

const (
	PhasePending       Phase = "Pending"
	PhaseActive        Phase = "Active"
	PhaseUnavailable   Phase = "Unavailable"
	PhaseUpgrading     Phase = "Upgrading"
	PhaseDisconnecting Phase = "Disconnecting"
)

// Distribution is the Kubernetes distribution a downstream runs.
// +kubebuilder:validation:Enum=k3s;rke2;eks;gke;aks;generic
type Distribution string

const (
	DistK3s     Distribution = "k3s"
	DistRKE2    Distribution = "rke2"
	DistEKS     Distribution = "eks"
	DistGKE     Distribution = "gke"
	DistAKS     Distribution = "aks"
	DistGeneric Distribution = "generic"
)

// ImportedClusterStatus is what the reconciler observed. Per-node detail stays out of it
// (an object must stay far below etcd's limit even at thousands of nodes).
type ImportedClusterStatus struct {
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// +optional
	Distribution Distribution `json:"distribution,omitempty"`
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// +optional
	Nodes *NodeSummary `json:"nodes,omitempty"`
	// Capabilities are the effective capabilities: detected values with annotation overrides.
	// +optional
	Capabilities []CapabilityStatus `json:"capabilities,omitempty"`
	// +listType=map
	// +listMapKey=name
	// +optional
	Projects []Project `json:"projects,omitempty"`
	// +optional
	Upgrade *UpgradeStatus `json:"upgrade,omitempty"`
	// LastProbeTime is when the reconciler (direct mode) or the agent (agent mode) last
	// reached the downstream.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`
	// Agent is what the agent reports of itself (agent mode).
	// +optional
	Agent *AgentStatus `json:"agent,omitempty"`
}

// AgentStatus describes the downstream's agent.
type AgentStatus struct {
	// Version is the agent's build version.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Version string `json:"version,omitempty"`
}

// NodeSummary counts nodes by role and readiness.
type NodeSummary struct {
	Total int32 `json:"total"`
	Ready int32 `json:"ready"`
	// ControlPlane are nodes labelled node-role.kubernetes.io/control-plane or master.
	ControlPlane PoolSummary `json:"controlPlane"`
	// Etcd counts embedded etcd members (node-role.kubernetes.io/etcd).
	Etcd int32 `json:"etcd"`
	// Workers are all other nodes.
	Workers PoolSummary `json:"workers"`
}

// MaxNotReadyNames bounds how many unready node names a pool lists in status.
const MaxNotReadyNames = 20

// PoolSummary counts one pool's nodes and names (at most MaxNotReadyNames) the unready ones.
type PoolSummary struct {
	Total int32 `json:"total"`
	Ready int32 `json:"ready"`
	// +kubebuilder:validation:MaxItems=20
	// +optional
	NotReady []string `json:"notReady,omitempty"`
}

// CapabilityStatus is one effective capability and where its value came from.
type CapabilityStatus struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Source is "detected", "default" or the annotation key that overrides it.
	Source string `json:"source"`
}

// Project groups downstream namespaces.
type Project struct {
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces,omitempty"`
}

// UpgradeStatus reports a K3s upgrade in progress.
type UpgradeStatus struct {
	// +optional
	TargetVersion string `json:"targetVersion,omitempty"`
	// +optional
	Servers PoolUpgrade `json:"servers,omitempty"`
	// +optional
	Workers PoolUpgrade `json:"workers,omitempty"`
	// FailedJobs names failed upgrade jobs with their node (bounded).
	// +kubebuilder:validation:MaxItems=20
	// +optional
	FailedJobs []FailedJob `json:"failedJobs,omitempty"`
}

// PoolUpgrade is the progress of one pool's plan.
type PoolUpgrade struct {
	Plan     string `json:"plan,omitempty"`
	Applying int32  `json:"applying"`
	Done     int32  `json:"done"`
	Total    int32  `json:"total"`
}

// FailedJob is an upgrade job that failed on a node.
type FailedJob struct {
	Job     string `json:"job"`
	Node    string `json:"node"`
	Message string `json:"message,omitempty"`
}
