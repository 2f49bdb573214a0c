package inventory

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func cluster(mode v1alpha1.Mode, conds ...metav1.Condition) *v1alpha1.ImportedCluster {
	probed := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "edge-1"},
		Spec:       v1alpha1.ImportedClusterSpec{Mode: mode, ClusterID: "0b5c7a4e-1111-2222-3333-444455556666", APIServer: "https://10.0.0.5:6443"},
		Status: v1alpha1.ImportedClusterStatus{
			Phase: v1alpha1.PhaseActive, KubernetesVersion: "v1.37.2+k3s1", Distribution: v1alpha1.DistK3s, LastProbeTime: &probed,
			Nodes:    &v1alpha1.NodeSummary{Total: 3, Ready: 2, ControlPlane: v1alpha1.PoolSummary{Total: 1}, Workers: v1alpha1.PoolSummary{Total: 2}},
			Projects: []v1alpha1.Project{{Name: "Default"}, {Name: "System"}},
			Capabilities: []v1alpha1.CapabilityStatus{
				{Name: "ingressCapabilities", Value: `[{"ingressProvider":"traefik"}]`},
				{Name: "loadBalancerCapabilities", Value: `{"enabled":true}`},
				{Name: "tooLong", Value: strings.Repeat("x", 1025)},
			},
			Conditions: conds,
		},
	}
}

func cond(t string, s metav1.ConditionStatus, reason string) metav1.Condition {
	return metav1.Condition{Type: t, Status: s, Reason: reason, Message: reason + " message", LastTransitionTime: metav1.NewTime(time.Unix(1000, 0))}
}

func TestControlPlaneHealthy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ic     *v1alpha1.ImportedCluster
		status metav1.ConditionStatus
		reason string
	}{
		{"direct, reached", cluster(v1alpha1.ModeDirect, cond(v1alpha1.ConditionConnected, metav1.ConditionTrue, "Reached")), metav1.ConditionTrue, "Reached"},
		{"direct, probe failed", cluster(v1alpha1.ModeDirect, cond(v1alpha1.ConditionConnected, metav1.ConditionFalse, "ProbeFailed")), metav1.ConditionFalse, "ProbeFailed"},
		{"direct, never probed", cluster(v1alpha1.ModeDirect), metav1.ConditionUnknown, "NotProbed"},
		{"agent, heartbeat renewed", cluster(v1alpha1.ModeAgent, cond(v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, "Renewed"),
			cond(v1alpha1.ConditionConnected, metav1.ConditionTrue, "Reached")), metav1.ConditionTrue, "Renewed"},
		// Direct mode's Connected is stale in agent mode once the agent stops: the heartbeat decides.
		{"agent, heartbeat late", cluster(v1alpha1.ModeAgent, cond(v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, "Late"),
			cond(v1alpha1.ConditionConnected, metav1.ConditionTrue, "Reached")), metav1.ConditionFalse, "Late"},
		{"agent, alive but its API server unreachable", cluster(v1alpha1.ModeAgent, cond(v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, "Renewed"),
			cond(v1alpha1.ConditionConnected, metav1.ConditionFalse, "ProbeFailed")), metav1.ConditionFalse, "ProbeFailed"},
		{"agent, never seen", cluster(v1alpha1.ModeAgent), metav1.ConditionUnknown, v1alpha1.ReasonAwaitingAgent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ControlPlaneHealthy(tc.ic)
			if c.Type != v1alpha1.ConditionControlPlaneHealthy || c.Status != tc.status || c.Reason != tc.reason || c.Message == "" {
				t.Errorf("got %+v, want %s/%s", c, tc.status, tc.reason)
			}
		})
	}
	ic := cluster(v1alpha1.ModeDirect)
	ic.Spec.ClusterID = ""
	if c := ControlPlaneHealthy(ic); c.Status != metav1.ConditionUnknown || c.Reason != "AwaitingJoin" {
		t.Errorf("not joined: %+v", c)
	}
}

func TestProperties(t *testing.T) {
	ic := cluster(v1alpha1.ModeDirect)
	got := map[string]string{}
	var names []string
	for _, p := range Properties(ic) {
		got[p.Name] = p.Value
		names = append(names, p.Name)
		if !p.LastObservedTime.Equal(ic.Status.LastProbeTime) {
			t.Errorf("property %s observed at %v, want the last probe", p.Name, p.LastObservedTime)
		}
	}
	want := map[string]string{
		v1alpha1.ClusterIDProperty: ic.Spec.ClusterID, PropertyMode: "Direct", PropertyPhase: "Active", PropertyDistribution: "k3s",
		PropertyNodesTotal: "3", PropertyNodesReady: "2", PropertyControlPlane: "1", PropertyWorkers: "2", PropertyProjects: "Default,System",
		"kimport.dev/capability.ingressCapabilities":      `[{"ingressProvider":"traefik"}]`,
		"kimport.dev/capability.loadBalancerCapabilities": `{"enabled":true}`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("property %s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["kimport.dev/capability.tooLong"]; ok {
		t.Error("a value longer than 1024 characters is published")
	}
	if !strings.Contains(got[PropertyAccess], "kubectl import credentials edge-1") || !strings.Contains(got[PropertyAccess], "gateway") {
		t.Errorf("access = %q", got[PropertyAccess])
	}
	if names[0] != v1alpha1.ClusterIDProperty {
		t.Errorf("order %v: the cluster ID first", names)
	}
	// A fresh registration has nothing observed: no empty values, and what is known was
	// observed at registration (the CRD refuses no time, and prunes a null one).
	created := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, p := range Properties(&v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "new", CreationTimestamp: created}}) {
		if p.Value == "" || !p.LastObservedTime.Equal(&created) {
			t.Errorf("property %s = %q observed at %v", p.Name, p.Value, p.LastObservedTime)
		}
	}
}

// Every cluster, in either mode, is reached through the hub's gateway: the provider's cluster
// is Lookup's server and CA, with the exec extension naming the cluster.
func TestDesiredStatusAccessProviders(t *testing.T) {
	hub := Hub{Server: "https://hub.example:6443/", CAData: []byte("CA")}
	for _, mode := range []v1alpha1.Mode{v1alpha1.ModeDirect, v1alpha1.ModeAgent} {
		st := DesiredStatus(cluster(mode), Lookup(hub, "edge-1"))
		if st.Version.Kubernetes != "v1.37.2+k3s1" || len(st.Conditions) != 1 {
			t.Errorf("%s: status %+v", mode, st)
		}
		if len(st.AccessProviders) != 1 {
			t.Fatalf("%s: access providers %+v", mode, st.AccessProviders)
		}
		p := st.AccessProviders[0]
		ext := p.Cluster.Extensions
		var exec ExecProvider
		if len(ext) != 1 || json.Unmarshal(ext[0].Extension.Raw, &exec) != nil {
			t.Fatalf("%s: extensions %+v", mode, ext)
		}
		if p.Name != AccessProviderName || p.Cluster.Server != "https://hub.example:6443/apis/gateway.kimport.dev/v1alpha1/clusters/edge-1/proxy" ||
			string(p.Cluster.CertificateAuthorityData) != "CA" || p.Cluster.InsecureSkipTLSVerify || p.Cluster.ProxyURL != "" ||
			ext[0].Name != ExecExtension || exec.ClusterName != "edge-1" || strings.Join(exec.Command, " ") != "kubectl import credentials edge-1" {
			t.Errorf("%s: provider %+v, extension %+v", mode, p, exec)
		}
	}
}

func TestDesiredSpecAndLabels(t *testing.T) {
	ic := cluster(v1alpha1.ModeAgent)
	if s := DesiredSpec(ic); s.DisplayName != "edge-1" || s.ClusterManager.Name != "kubectl-import" {
		t.Errorf("spec %+v", s)
	}
	ic.Spec.DisplayName = "Edge one"
	if s := DesiredSpec(ic); s.DisplayName != "Edge one" {
		t.Errorf("spec %+v", s)
	}
	if l := Labels(ic); l[v1alpha1.ClusterManagerLabel] != "kubectl-import" || l[v1alpha1.ClusterLabel] != "edge-1" {
		t.Errorf("labels %v", l)
	}
}

func TestStatusComparesAfterARoundTrip(t *testing.T) {
	st := DesiredStatus(cluster(v1alpha1.ModeDirect, cond(v1alpha1.ConditionConnected, metav1.ConditionTrue, "Reached")), Access{Server: "https://x", CAData: []byte("CA")})
	a, err := toMap(&st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := toMap(&st)
	if err != nil {
		t.Fatal(err)
	}
	// What the API server returns holds int64s where the converter may hold others.
	if same, err := sameJSON(a, b); err != nil || !same {
		t.Errorf("same status differs: %v", err)
	}
	st.Version.Kubernetes = "v1.38.0"
	c, _ := toMap(&st)
	if same, _ := sameJSON(a, c); same {
		t.Error("a changed version compares equal")
	}
}
