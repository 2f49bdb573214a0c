// Package inventory publishes imported clusters through SIG-Multicluster's inventory APIs:
// in the hub, one ClusterProfile (KEP-4322, multicluster.x-k8s.io/v1alpha1) per
// ImportedCluster, built here by pure functions and kept by a small controller; in each
// downstream, the About API's ClusterProperties (KEP-2149), which pkg/clustersync writes.
// The objects are handled as unstructured: only the KEPs' documented fields are written, and
// no inventory module is needed.
package inventory

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Access provider (KEP-4322 status.accessProviders, used as KEP-5339 describes).
const (
	// AccessProviderName is the provider a consumer maps to `kubectl import credentials`.
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

// Spec is ClusterProfile spec.
type Spec struct {
	DisplayName    string      `json:"displayName,omitempty"`
	ClusterManager ManagerName `json:"clusterManager"`
}

// ManagerName is spec.clusterManager.
type ManagerName struct {
	Name string `json:"name"`
}

// Status is ClusterProfile status, the fields KEP-4322 documents.
type Status struct {
	Conditions      []metav1.Condition `json:"conditions,omitempty"`
	Version         Version            `json:"version,omitempty"`
	Properties      []Property         `json:"properties,omitempty"`
	AccessProviders []AccessProvider   `json:"accessProviders,omitempty"`
}

// Version is status.version.
type Version struct {
	Kubernetes string `json:"kubernetes,omitempty"`
}

// Property is one status.properties entry.
type Property struct {
	Name             string       `json:"name"`
	Value            string       `json:"value"`
	LastObservedTime *metav1.Time `json:"lastObservedTime,omitempty"`
}

// AccessProvider is one status.accessProviders entry: a provider name and a kubeconfig
// cluster (client-go's clientcmd v1 Cluster, the fields used here).
type AccessProvider struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// Cluster is a kubeconfig cluster.
type Cluster struct {
	Server                   string           `json:"server"`
	CertificateAuthorityData []byte           `json:"certificate-authority-data,omitempty"`
	Extensions               []NamedExtension `json:"extensions,omitempty"`
}

// NamedExtension is a kubeconfig cluster extension.
type NamedExtension struct {
	Name      string       `json:"name"`
	Extension ExecProvider `json:"extension"`
}

// ExecProvider is what `kubectl import credentials` receives as ExecCredential
// spec.cluster.config: the cluster to issue a token for, and the command that does it for a
// consumer that runs it without provider configuration of its own.
type ExecProvider struct {
	ClusterName string   `json:"clusterName"`
	Command     []string `json:"command"`
}

// Access is what the hub knows of reaching a direct-mode cluster: its API server and CA (from
// the credentials Secret; never the token).
type Access struct {
	Server string
	CAData []byte
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
func DesiredSpec(ic *v1alpha1.ImportedCluster) Spec {
	name := ic.Spec.DisplayName
	if name == "" {
		name = ic.Name
	}
	return Spec{DisplayName: name, ClusterManager: ManagerName{Name: v1alpha1.ClusterManager}}
}

// DesiredStatus is a profile's status: the version, ControlPlaneHealthy, the properties,
// each observed at the cluster's last probe, and, in direct mode with access known, the
// exec access provider.
func DesiredStatus(ic *v1alpha1.ImportedCluster, access *Access) Status {
	st := Status{
		Conditions: []metav1.Condition{ControlPlaneHealthy(ic)},
		Version:    Version{Kubernetes: ic.Status.KubernetesVersion},
		Properties: Properties(ic),
	}
	if !ic.Spec.AgentMode() && access != nil && access.Server != "" {
		st.AccessProviders = []AccessProvider{{Name: AccessProviderName, Cluster: Cluster{
			Server: access.Server, CertificateAuthorityData: access.CAData,
			Extensions: []NamedExtension{{Name: ExecExtension, Extension: ExecProvider{ClusterName: ic.Name, Command: CredentialsCommand(ic.Name)}}},
		}}}
	}
	return st
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
func Properties(ic *v1alpha1.ImportedCluster) []Property {
	st := &ic.Status
	observed := st.LastProbeTime
	var props []Property
	add := func(name, value string) {
		if value == "" || len(name) > maxPropertyName || len(value) > maxPropertyValue {
			return
		}
		props = append(props, Property{Name: name, Value: value, LastObservedTime: observed})
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
	if ic.Spec.AgentMode() {
		return "agent mode: the hub holds no credential of this cluster and no route to it, so no access provider is published; " +
			"reach it with your own kubeconfig (a hub-side tunnel is not implemented yet)"
	}
	return fmt.Sprintf("direct mode: access provider %q, an exec plugin (%s) printing a short-lived token", AccessProviderName, strings.Join(CredentialsCommand(ic.Name), " "))
}
