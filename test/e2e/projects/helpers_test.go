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
