package v1alpha1_test

import (
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestHeartbeatCluster(t *testing.T) {
	for _, tc := range []struct{ lease, want string }{
		{v1alpha1.HeartbeatName("edge"), "edge"},
		{v1alpha1.HeartbeatName("cluster-x"), "cluster-x"},
		{"cluster-", ""},
		{"cluster", ""},
		{"kimport-webhook-leader", ""},
		{"Cluster-edge", ""},
	} {
		if got := v1alpha1.HeartbeatCluster(tc.lease); got != tc.want {
			t.Errorf("HeartbeatCluster(%q) = %q, want %q", tc.lease, got, tc.want)
		}
	}
}

// The Secrets tokens of an agent are bound to never share a name, across clusters either.
func TestAgentSecretNamesDiffer(t *testing.T) {
	names := map[string]string{}
	for _, c := range []string{"a", "a-session", "a-bootstrap", "session", "bootstrap"} {
		for _, n := range []string{v1alpha1.AgentBootstrapName(c), v1alpha1.AgentSessionName(c), v1alpha1.CredentialsSecretName(c)} {
			if prev, ok := names[n]; ok {
				t.Errorf("%s is the name of two Secrets (%s and %s)", n, prev, c)
			}
			names[n] = c
		}
	}
}
