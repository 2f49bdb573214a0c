package projects

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// run executes a verb in-process as `kubectl import` runs it; the transcript is logged.
func run(t *testing.T, newCmd plugintest.NewCmd, args ...string) (string, string, error) {
	t.Helper()
	r := plugintest.Run(common.NewFactory(), newCmd, args...)
	t.Logf("$ kubectl import %s %s\n%s%s(error: %v)", r.Command, strings.Join(args, " "), r.Out, r.Err, r.Error)
	return r.Out, r.Err, r.Error
}

func runCluster(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return run(t, cluster.NewCmd, args...)
}

// waitActive waits until the hub shows name Active; on timeout it shows status and the
// agent's log.
func waitActive(t *testing.T, hub *testenv.Cluster, name string, agent *hubenv.Agent) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var ic v1alpha1.ImportedCluster
	for time.Now().Before(deadline) {
		if err := hub.Client.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err == nil && ic.Status.Phase == v1alpha1.PhaseActive {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	st, _ := json.MarshalIndent(ic.Status, "", "  ")
	t.Fatalf("%s is %s, want Active; status:\n%s\nagent log:\n%s", name, ic.Status.Phase, st, agent.Log())
}

// importEdge starts a hub (the hub component with its webhook and gateway, installed by init)
// and a downstream, and imports the downstream as edge-1 in agent mode (User:alice a
// cluster-owner), the agent a real process with the downstream ServiceAccount's rights.
func importEdge(t *testing.T) (hub, edge *testenv.Cluster, hubServer *hubenv.Server, agent *hubenv.Agent) {
	t.Helper()
	agentBin := hubenv.BuildAgent(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub"}, testenv.Options{Name: "edge"})
	hub, edge = clusters[0], clusters[1]
	ctx := context.Background()
	hubServer = hubenv.New(t, hub)
	if out, _, err := run(t, initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", hubServer.URL, "--gateway-url", hubServer.GatewayURL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	hubServer.Start(t)
	if out, _, err := runCluster(t, "edge-1", "--kubeconfig", edge.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig,
		"--mode", "agent", "--member", "User:alice=cluster-owner", "--wait=false"); err != nil {
		t.Fatalf("cluster: %v\n%s", err, out)
	}
	agentKubeconfig, err := edge.ServiceAccountKubeconfig(ctx, v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	if err != nil {
		t.Fatal(err)
	}
	agent = hubenv.StartAgent(t, agentBin(t), "--kubeconfig", agentKubeconfig, "--sync-interval", syncInterval.String(), "--health-probe-bind-address", "0")
	waitActive(t, hub, "edge-1", agent)
	return hub, edge, hubServer, agent
}
