package twostep

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// TestJoinAgentMode: create, then join in agent mode (the default). The join token requests
// the agent's bootstrap token, installs the agent and revokes itself; the agent (a real
// process) reaches the hub only through an HTTPS proxy (HTTPS_PROXY) and reports the cluster
// Active; the hub holds no downstream credential.
func TestJoinAgentMode(t *testing.T) {
	agentBin := hubenv.BuildAgent(t)
	hub, downstreams := startHub(t, "nat")
	nat := downstreams[0]
	ctx := context.Background()
	out, _, err := runCreate("--hub-kubeconfig", hub.Kubeconfig, "nat-1", "--member", "User:alice=cluster-owner")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, redact(out))
	}
	mustContain(t, "create output", out, "serviceaccount/kimport-agent-nat-1 serverside-applied", "secret/kimport-agent-nat-1-bootstrap serverside-applied")
	join := parseJoin(t, out)
	proxy := hubenv.StartProxy(t)

	out, _, err = runJoin("", join.args("--mode", "agent", "--kubeconfig", nat.Kubeconfig, "--wait=false")...)
	if err != nil {
		t.Fatalf("join --mode agent: %v\n%s", err, redact(out))
	}
	mustContain(t, "join output", out, "bootstrap token issued", "secret/kimport-agent-hub serverside-applied",
		"deployment.apps/kimport-agent serverside-applied", "serviceaccount/kimport-join-nat-1 deleted")
	if strings.Contains(out, "eyJ") {
		t.Errorf("join printed a token:\n%s", redact(out))
	}

	// The hub, as the agent is told to reach it, behind a name: Go never proxies "localhost" or
	// a loopback IP, but "localhost." (the same name, fully qualified) it does, and it still
	// matches the hub's serving certificate. The proxy alone resolves it (to the loopback).
	u, err := url.Parse(join.hub)
	if err != nil {
		t.Fatal(err)
	}
	named := "https://localhost.:" + u.Port()
	patch := []byte(`{"stringData":{"` + v1alpha1.AgentHubKeyServer + `":"` + named + `"}}`)
	if err := nat.Client.Patch(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentHubSecret}},
		client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := nat.ServiceAccountKubeconfig(ctx, v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	if err != nil {
		t.Fatal(err)
	}
	a := hubenv.StartAgentWithEnv(t, agentBin(t), []string{"HTTPS_PROXY=" + proxy.URL, "NO_PROXY=", "https_proxy=", "no_proxy="}, "--kubeconfig", kubeconfig, "--sync-interval", "2s", "--health-probe-bind-address", "0")
	var ic v1alpha1.ImportedCluster
	eventually(t, 60*time.Second, func() (bool, string) {
		_ = hub.Client.Get(ctx, client.ObjectKey{Name: "nat-1"}, &ic)
		return ic.Status.Phase == v1alpha1.PhaseActive, fmt.Sprintf("phase %q, conditions %+v\nagent log:\n%s", ic.Status.Phase, ic.Status.Conditions, a.Log())
	})
	if targets := proxy.Targets(); len(targets) == 0 || targets[0] != "localhost.:"+u.Port() {
		t.Errorf("the proxy tunnelled to %q, want the hub at localhost.:%s", targets, u.Port())
	}
	if !ic.Spec.AgentMode() || ic.Spec.ClusterID == "" {
		t.Errorf("spec = %+v, want agent mode with a clusterID", ic.Spec)
	}
	// The marker shows the downstream how the hub sees it (join waits on it).
	eventually(t, 20*time.Second, func() (bool, string) {
		var cm corev1.ConfigMap
		_ = nat.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}, &cm)
		return cm.Data[v1alpha1.MarkerHubPhase] == string(v1alpha1.PhaseActive), fmt.Sprintf("marker %v", cm.Data)
	})
	var secrets corev1.SecretList
	if err := hub.Client.List(ctx, &secrets, client.InNamespace(v1alpha1.HubNamespace), client.MatchingLabels{v1alpha1.ClusterLabel: "nat-1"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		if len(s.Data) > 0 || s.Name == v1alpha1.AgentBootstrapName("nat-1") {
			t.Errorf("the hub holds secret %s (%d keys) for nat-1", s.Name, len(s.Data))
		}
	}
}
