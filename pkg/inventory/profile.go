// Package inventory publishes imported clusters through SIG-Multicluster's inventory APIs:
// in the hub, one ClusterProfile (KEP-4322, multicluster.x-k8s.io/v1alpha1, the types of
// sigs.k8s.io/cluster-inventory-api) per ImportedCluster, built here by pure functions and
// kept by a small controller; in each downstream, the About API's ClusterProperties
// (KEP-2149), which pkg/clustersync writes. Every profile's access provider is the hub's
// gateway for its cluster (Lookup), in either mode: a consumer reaches the cluster with its
// own hub identity, and no credential of a downstream leaves the hub.
package inventory

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	cia "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Access provider (KEP-4322 status.accessProviders, used as KEP-5339 describes).
const (
	// AccessProviderName is the provider a consumer maps to `kubectl import credentials`
	// (multicluster-runtime's provider file names it).
	AccessProviderName = "kubectl-import"
	// ExecExtension is the kubeconfig cluster extension client-go hands an exec plugin as
	// ExecCredential spec.cluster.config when provideClusterInfo is set.
	ExecExtension = "client.authentication.k8s.io/exec"
)

// Properties of this cluster manager (KEP-4322 allows a manager's own names).
const (
	propertyPrefix       = "kimport.dev/"
	PropertyMode         = propertyPrefix + "mode"
	PropertyPhase        = propertyPrefix + "phase"
	PropertyDistribution = propertyPrefix + "distribution"
	PropertyNodesTotal   = propertyPrefix + "nodes.total"
	PropertyNodesReady   = propertyPrefix + "nodes.ready"
	PropertyControlPlane = propertyPrefix + "nodes.control-plane"
	PropertyWorkers      = propertyPrefix + "nodes.workers"
	PropertyProjects     = propertyPrefix + "projects"
	// PropertyCapabilityPrefix starts one property per effective capability.
	PropertyCapabilityPrefix = propertyPrefix + "capability."
	// PropertyAccess says how a consumer reaches the cluster.
	PropertyAccess = propertyPrefix + "access"
)

// KEP-4322 limits a property's name and value.
const (
	maxPropertyName  = 253
	maxPropertyValue = 1024
)

// ExecProvider is the content of the access provider's exec extension (ExecExtension), what
// `kubectl import credentials` receives as ExecCredential spec.cluster.config: the cluster
// whose gateway the credential is for, and the command that prints it for a consumer that
// runs it without provider configuration of its own.
type ExecProvider struct {
	ClusterName string   `json:"clusterName"`
	Command     []string `json:"command"`
}

// CredentialsCommand is the command that prints an ExecCredential for cluster.
func CredentialsCommand(cluster string) []string {
	return []string{"kubectl", "import", "credentials", cluster}
}

// Labels are a profile's labels.
func Labels(ic *v1alpha1.ImportedCluster) map[string]string {
	return map[string]string{v1alpha1.ClusterManagerLabel: v1alpha1.ClusterManager, v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue, v1alpha1.ClusterLabel: ic.Name}
}

// DesiredSpec is a profile's spec.
func DesiredSpec(ic *v1alpha1.ImportedCluster) cia.ClusterProfileSpec {
	name := ic.Spec.DisplayName
	if name == "" {
		name = ic.Name
	}
	return cia.ClusterProfileSpec{DisplayName: name, ClusterManager: cia.ClusterManager{Name: v1alpha1.ClusterManager}}
}

// DesiredStatus is a profile's status: the version, ControlPlaneHealthy, the properties,
// each observed at the cluster's last probe, and the access provider that reaches the
// cluster through the hub's gateway (AccessProvider), in either mode.
func DesiredStatus(ic *v1alpha1.ImportedCluster, access Access) cia.ClusterProfileStatus {
	return cia.ClusterProfileStatus{
		Conditions:      []metav1.Condition{ControlPlaneHealthy(ic)},
		Version:         cia.ClusterVersion{Kubernetes: ic.Status.KubernetesVersion},
		Properties:      Properties(ic),
		AccessProviders: []cia.AccessProvider{AccessProvider(ic.Name, access)},
	}
}

// AccessProvider is the exec access provider (KEP-5339) of cluster: the kubeconfig cluster of
// the gateway's proxy for it (access, from Lookup), with the exec extension naming cluster
// for `kubectl import credentials`.
func AccessProvider(cluster string, access Access) cia.AccessProvider {
	ext, _ := json.Marshal(ExecProvider{ClusterName: cluster, Command: CredentialsCommand(cluster)}) // strings only: cannot fail
	return cia.AccessProvider{Name: AccessProviderName, Cluster: clientcmdv1.Cluster{
		Server: access.Server, CertificateAuthorityData: access.CAData,
		Extensions: []clientcmdv1.NamedExtension{{Name: ExecExtension, Extension: runtime.RawExtension{Raw: ext}}},
	}}
}

// ControlPlaneHealthy is judged by the hub's own view: in agent mode its Heartbeat condition
// (and the agent's Connected, which says whether the agent reaches its API server), in direct
// mode the Connected condition of its last probe. The transition time is the source's.
func ControlPlaneHealthy(ic *v1alpha1.ImportedCluster) metav1.Condition {
	find := func(t string) *metav1.Condition {
		for i := range ic.Status.Conditions {
			if ic.Status.Conditions[i].Type == t {
				return &ic.Status.Conditions[i]
			}
		}
		return nil
	}
	from := func(c *metav1.Condition, prefix string) metav1.Condition {
		return metav1.Condition{Type: v1alpha1.ConditionControlPlaneHealthy, Status: c.Status, Reason: c.Reason,
			Message: prefix + c.Message, LastTransitionTime: c.LastTransitionTime}
	}
	unknown := func(reason, msg string) metav1.Condition {
		t := ic.CreationTimestamp
		return metav1.Condition{Type: v1alpha1.ConditionControlPlaneHealthy, Status: metav1.ConditionUnknown, Reason: reason, Message: msg, LastTransitionTime: t}
	}
	if ic.Spec.ClusterID == "" {
		return unknown("AwaitingJoin", "the cluster has not joined yet (kubectl import join)")
	}
	connected := find(v1alpha1.ConditionConnected)
	if ic.Spec.AgentMode() {
		hb := find(v1alpha1.ConditionHeartbeat)
		switch {
		case hb == nil:
			return unknown(v1alpha1.ReasonAwaitingAgent, "the hub has not judged the agent's heartbeat yet")
		case hb.Status != metav1.ConditionTrue:
			return from(hb, "heartbeat: ")
		case connected != nil && connected.Status != metav1.ConditionTrue:
			return from(connected, "the agent reports: ")
		}
		return from(hb, "heartbeat: ")
	}
	if connected == nil {
		return unknown("NotProbed", "the hub has not probed the cluster yet")
	}
	return from(connected, "probe: ")
}

// Properties are the cluster's ID (cluster.clusterset.k8s.io, as the About API names it) and
// this manager's own: mode, phase, distribution, node counts, projects, one per effective
// capability, and how to reach the cluster. Empty values are left out (KEP-4322 wants a value);
// a capability whose value is longer than a property may hold is left out too.
func Properties(ic *v1alpha1.ImportedCluster) []cia.Property {
	st := &ic.Status
	// Before the first probe, what is known (the ID, the mode) was observed at registration.
	observed := ic.CreationTimestamp
	if st.LastProbeTime != nil {
		observed = *st.LastProbeTime
	}
	var props []cia.Property
	add := func(name, value string) {
		if value == "" || len(name) > maxPropertyName || len(value) > maxPropertyValue {
			return
		}
		props = append(props, cia.Property{Name: name, Value: value, LastObservedTime: observed})
	}
	add(v1alpha1.ClusterIDProperty, ic.Spec.ClusterID)
	mode := v1alpha1.ModeDirect
	if ic.Spec.AgentMode() {
		mode = v1alpha1.ModeAgent
	}
	add(PropertyMode, string(mode))
	add(PropertyPhase, string(st.Phase))
	add(PropertyDistribution, string(st.Distribution))
	if n := st.Nodes; n != nil {
		add(PropertyNodesTotal, strconv.Itoa(int(n.Total)))
		add(PropertyNodesReady, strconv.Itoa(int(n.Ready)))
		add(PropertyControlPlane, strconv.Itoa(int(n.ControlPlane.Total)))
		add(PropertyWorkers, strconv.Itoa(int(n.Workers.Total)))
	}
	projects := make([]string, 0, len(st.Projects))
	for _, p := range st.Projects {
		projects = append(projects, p.Name)
	}
	add(PropertyProjects, strings.Join(projects, ","))
	caps := append([]v1alpha1.CapabilityStatus(nil), st.Capabilities...)
	sort.Slice(caps, func(i, j int) bool { return caps[i].Name < caps[j].Name })
	for _, c := range caps {
		add(PropertyCapabilityPrefix+c.Name, c.Value)
	}
	add(PropertyAccess, AccessNote(ic))
	return props
}

// AccessNote says how a consumer of the profile reaches the cluster.
func AccessNote(ic *v1alpha1.ImportedCluster) string {
	return "through the hub's gateway as the consumer's own hub identity, a member of " + ic.Name + ": access provider " + AccessProviderName +
		", an exec plugin (" + strings.Join(CredentialsCommand(ic.Name), " ") + ") that returns the consumer's own hub credential"
}
