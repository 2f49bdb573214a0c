package upgrade

import (
	"context"
	"strings"
	"testing"

	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/k3stest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
)

const to = "v1.37.3+k3s1"

func TestUpgrade(t *testing.T) {
	c := k3stest.Start(t)
	ctx := context.Background()
	name := k3stest.Name
	stored := func() *v1alpha1.ImportedCluster {
		var ic v1alpha1.ImportedCluster
		if err := c.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
			t.Fatal(err)
		}
		return &ic
	}

	t.Run("refusals name the flag and change nothing", func(t *testing.T) {
		for args, want := range map[string]string{
			"":                                       "--to is required: the K3s version to upgrade to, e.g. --to v1.32.5+k3s1",
			"--to v1.37.3":                           `invalid --to: "v1.37.3" must be a K3s version vX.Y.Z+k3sN, e.g. v1.30.4+k3s1`,
			"--to v1.37.1+k3s1":                      "invalid --to v1.37.1+k3s1: older than the version the cluster runs (v1.37.2+k3s1); K3s cannot be downgraded",
			"--to v1.37.2+k3s1":                      "invalid --to v1.37.2+k3s1: the cluster already runs it; choose a newer version",
			"--to " + to + " --worker-concurrency 0": "invalid --worker-concurrency 0: must be at least 1 (the upgrade controller upgrades no node at 0)",
			"--to " + to + " --server-concurrency 2": `importedcluster "k3s-prod": spec.k3s.upgradeStrategy.serverConcurrency: Invalid value: 2: with 3 embedded-etcd servers at most 1 may upgrade at once, or etcd loses quorum; set it to 1`,
		} {
			plugintest.Execute(c, NewCmd, append([]string{name}, strings.Fields(args)...)...).Failed(t, want)
		}
		if stored().Spec.K3s != nil {
			t.Errorf("a refused upgrade changed spec.k3s: %+v", stored().Spec.K3s)
		}
	})

	t.Run("dry-run -o yaml prints the two plans and writes nothing", func(t *testing.T) {
		r := plugintest.Execute(c, NewCmd, name, "--to", to, "--worker-concurrency", "2", "--drain-workers", "--dry-run", "-o", "yaml")
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		var list struct {
			Kind  string `json:"kind"`
			Items []struct {
				Kind     string `json:"kind"`
				Metadata struct{ Name, Namespace string }
				Spec     map[string]any
			}
		}
		if err := yaml.Unmarshal([]byte(r.Out), &list); err != nil {
			t.Fatal(err)
		}
		if list.Kind != "List" || len(list.Items) != 2 || list.Items[0].Metadata.Name != v1alpha1.MasterPlan || list.Items[1].Metadata.Name != v1alpha1.WorkerPlan {
			t.Fatalf("dry-run output:\n%s", r.Out)
		}
		if w := list.Items[1].Spec; w["concurrency"] != float64(2) || w["drain"] == nil || w["version"] != to {
			t.Errorf("worker plan spec = %v", w)
		}
		if !strings.Contains(r.Err, "Back up k3s-prod before the upgrade starts: it uses embedded etcd: run 'k3s etcd-snapshot save' on a server node.") ||
			!strings.Contains(r.Err, "Warning: spec.k3s.upgradeStrategy.drainServerNodes is false") {
			t.Errorf("stderr lacks the reminder or the warnings:\n%s", r.Err)
		}
		if stored().Spec.K3s != nil {
			t.Errorf("dry-run wrote spec.k3s")
		}
	})

	t.Run("upgrade sets spec.k3s and reminds of the backup", func(t *testing.T) {
		out := plugintest.Execute(c, NewCmd, name, "--to", to, "--worker-concurrency", "2").Stdout(t)
		want := "importedcluster.kimport.dev/k3s-prod configured\nBack up k3s-prod before the upgrade starts: it uses embedded etcd: run 'k3s etcd-snapshot save' on a server node.\n"
		if !strings.HasPrefix(out, want) {
			t.Errorf("output:\n%s\nwant prefix:\n%s", out, want)
		}
		got := stored().Spec.K3s
		if got == nil || *got != (v1alpha1.K3sSpec{Version: to, UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 2}}) {
			t.Errorf("spec.k3s = %+v", got)
		}
		// Flags left out keep their value.
		plugintest.Execute(c, NewCmd, name, "--to", to, "--drain-workers").Stdout(t)
		if s := stored().Spec.K3s.UpgradeStrategy; s.WorkerConcurrency != 2 || !s.DrainWorkerNodes {
			t.Errorf("strategy = %+v", s)
		}
	})

	t.Run("status reports progress, the failed job with its node, and hints", func(t *testing.T) {
		out := plugintest.Execute(c, NewCmd, append([]string{"status", name}, k3stest.Local(c)...)...).Stdout(t)
		for _, want := range []string{
			"servers   k3s-master-plan   <missing>",
			"plan cattle-system/k3s-master-plan does not exist",
			"the system-upgrade-controller is not installed in cattle-system",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("status before the plans lacks %q:\n%s", want, out)
			}
		}
		// The reconciler's part: deploy the plans (as it does, through pkg/k3s).
		if err := k3sops.ApplyPlans(ctx, dynamic.NewForConfigOrDie(c.Config), stored()); err != nil {
			t.Fatal(err)
		}
		sim := k3stest.NewSUC(t, c.Config)
		sim.PlanStatus(v1alpha1.MasterPlan, to, "h1")
		for _, n := range []string{"k3s-server-1", "k3s-server-2", "k3s-server-3"} {
			sim.Finish(n, v1alpha1.MasterPlan, "h1", to)
		}
		sim.PlanStatus(v1alpha1.WorkerPlan, to, "h1", "k3s-agent-1", "k3s-agent-2")
		sim.Finish("k3s-agent-3", v1alpha1.WorkerPlan, "h1", to)
		sim.Job("apply-k3s-worker-plan-on-k3s-agent-2", v1alpha1.WorkerPlan, "k3s-agent-2", true)

		out = plugintest.Execute(c, NewCmd, append([]string{"status", name}, k3stest.Local(c)...)...).Stdout(t)
		for _, want := range []string{
			"Target:    v1.37.3+k3s1 (in progress)",
			"Strategy:  1 server(s) at once (not drained), 2 worker(s) at once (drained)",
			"POOL      PLAN              VERSION        RESOLVED       APPLYING                  DONE   PENDING",
			"servers   k3s-master-plan   v1.37.3+k3s1   v1.37.3-k3s1   <none>                    3/3    <none>",
			"workers   k3s-worker-plan   v1.37.3+k3s1   v1.37.3-k3s1   k3s-agent-1,k3s-agent-2   1/5    k3s-agent-4,k3s-agent-5",
			"apply-k3s-worker-plan-on-k3s-agent-2   k3s-agent-2   Job has reached the specified backoff limit",
			"job cattle-system/apply-k3s-worker-plan-on-k3s-agent-2 failed on node k3s-agent-2",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
		var doc StatusDocument
		if err := yaml.Unmarshal([]byte(plugintest.Execute(c, NewCmd, append([]string{"status", name, "-o", "yaml"}, k3stest.Local(c)...)...).Stdout(t)), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Rollout == nil || len(doc.Workers.Done) != 1 || len(doc.FailedJobs) != 1 || doc.FailedJobs[0].Node != "k3s-agent-2" || doc.Complete {
			t.Errorf("status -o yaml = %+v", doc)
		}
	})
}
