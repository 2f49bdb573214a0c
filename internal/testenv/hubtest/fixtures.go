package hubtest

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Alpha is an Active K3s cluster with every status field a reconciler fills: 3 servers (one
// NotReady) with embedded etcd, 5 workers, two projects, two members, a capability override.
// Its conditions changed and it was last probed at changed.
func Alpha(changed time.Time) *v1alpha1.ImportedCluster {
	at := metav1.NewTime(changed)
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "alpha", Annotations: map[string]string{
			v1alpha1.CapabilityPrefix + "nodePortRange":      "30000-32000",
			v1alpha1.CapabilityPrefixCattle + "taintSupport": "false",
		}},
		Spec: v1alpha1.ImportedClusterSpec{
			ClusterID:            "3f1c2a9e-0000-4000-8000-00000000a1fa",
			DisplayName:          "Alpha Prod",
			APIServer:            "https://10.0.0.1:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("alpha")},
			Members: []v1alpha1.Member{
				{Kind: v1alpha1.MemberUser, Name: "alice@example.com", Role: v1alpha1.RoleOwner},
				{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleMember},
			},
		},
		Status: v1alpha1.ImportedClusterStatus{
			Phase:             v1alpha1.PhaseActive,
			LastProbeTime:     &at,
			Distribution:      v1alpha1.DistK3s,
			KubernetesVersion: "v1.37.2+k3s1",
			Nodes: &v1alpha1.NodeSummary{
				Total: 8, Ready: 7, Etcd: 3,
				ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 2, NotReady: []string{"alpha-server-2"}},
				Workers:      v1alpha1.PoolSummary{Total: 5, Ready: 5},
			},
			Capabilities: []v1alpha1.CapabilityStatus{
				{Name: "nodePortRange", Value: "30000-32000", Source: v1alpha1.CapabilityPrefix + "nodePortRange"},
				{Name: "taintSupport", Value: "true", Source: "detected"},
				{Name: "pspEnabled", Value: "false", Source: "default"},
			},
			Projects: []v1alpha1.Project{
				{Name: "Default", Namespaces: []string{"default"}},
				{Name: "System", Namespaces: []string{"cattle-system", "kube-public", "kube-system"}},
			},
			Conditions: []metav1.Condition{
				{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionTrue, Reason: "Reachable", Message: "the hub reached the API server", LastTransitionTime: at},
				{Type: v1alpha1.ConditionMembersApplied, Status: metav1.ConditionTrue, Reason: "Applied", Message: "", LastTransitionTime: at},
			},
		},
	}
}

// Beta was just registered: Pending, no display name, no members, nothing observed yet.
func Beta() *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "beta"},
		Spec: v1alpha1.ImportedClusterSpec{
			ClusterID:            "7d2e4b10-0000-4000-8000-0000000000be",
			APIServer:            "https://beta.example.com:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("beta")},
		},
		Status: v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhasePending},
	}
}

// Waiting was registered by `kubectl import create waiting` and waits for `kubectl import
// join`: no clusterID, no API server; its join token expires at expires (none when zero).
func Waiting(expires time.Time) *v1alpha1.ImportedCluster {
	ic := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "waiting"},
		Spec:       v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("waiting")}},
		Status:     v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhasePending},
	}
	if !expires.IsZero() {
		ic.Annotations = map[string]string{v1alpha1.JoinExpiresAnnotation: expires.UTC().Format(time.RFC3339)}
	}
	return ic
}

// Edge is an Active cluster imported in agent mode whose agent (v0.1.0) is behind the hub
// (v0.2.0) and renews its heartbeat. Its conditions changed and it was last probed at changed.
func Edge(changed time.Time) *v1alpha1.ImportedCluster {
	at := metav1.NewTime(changed)
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "edge"},
		Spec: v1alpha1.ImportedClusterSpec{
			Mode:                 v1alpha1.ModeAgent,
			ClusterID:            "5a0b9c3d-0000-4000-8000-0000000ed9e1",
			APIServer:            "https://10.0.9.1:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("edge")},
		},
		Status: v1alpha1.ImportedClusterStatus{
			Phase:             v1alpha1.PhaseActive,
			LastProbeTime:     &at,
			Distribution:      v1alpha1.DistK3s,
			KubernetesVersion: "v1.37.2+k3s1",
			Agent:             &v1alpha1.AgentStatus{Version: "v0.1.0"},
			Conditions: []metav1.Condition{
				{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRenewed,
					Message: "the agent renews Lease kimport-system/" + v1alpha1.HeartbeatName("edge") + " (grace period 2m0s)", LastTransitionTime: at},
				{Type: v1alpha1.ConditionAgentVersion, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonBehind,
					Message: "the agent runs v0.1.0, the hub v0.2.0: kubectl import agent upgrade edge", LastTransitionTime: at},
			},
		},
	}
}
