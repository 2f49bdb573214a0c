package controller_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/k3stest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// TestUpgradeRollout: a new spec.k3s.version makes the reconciler deploy the two Plans and
// report progress until every node runs it. The system-upgrade-controller cannot run here
// (no kubelets): k3stest.SUC plays its part by writing Plan status, Jobs and node labels the
// way it does.
// TestUpgradeRollout runs in both connection modes: the hub's reconciler drives the plans in
// direct mode, the cluster's agent in agent mode; the hub sees the same status either way.
func TestUpgradeRollout(t *testing.T) {
	for _, mode := range []v1alpha1.Mode{v1alpha1.ModeDirect, v1alpha1.ModeAgent} {
		t.Run(string(mode), func(t *testing.T) { testUpgradeRollout(t, mode) })
	}
}

func testUpgradeRollout(t *testing.T, mode v1alpha1.Mode) {
	hub, ds := importK3s(t, 5, mode)
	ctx := context.Background()

	running, err := validate.ParseK3sVersion(ds.Version)
	must(t, err)
	running.Patch++ // the next patch release: an upgrade the rules allow
	target := running.String()
	ic, err := getCluster(ctx, hub, "edge")
	must(t, err)
	ic.Spec.K3s = &v1alpha1.K3sSpec{Version: target, UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 2}}
	must(t, hub.Client.Update(ctx, ic))

	upgraded := func(reason string, check func(*v1alpha1.ImportedCluster) error) *v1alpha1.ImportedCluster {
		t.Helper()
		var ic *v1alpha1.ImportedCluster
		eventually(t, phaseTimeout, "Upgraded reason "+reason, func(ctx context.Context) error {
			var err error
			if ic, err = getCluster(ctx, hub, "edge"); err != nil {
				return err
			}
			c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionUpgraded)
			if c == nil || c.Reason != reason {
				return fmt.Errorf("phase %s, Upgraded %+v, upgrade %+v", ic.Status.Phase, c, ic.Status.Upgrade)
			}
			if check != nil {
				return check(ic)
			}
			return nil
		})
		return ic
	}

	// No controller yet: the plans wait for it, the condition names the remedy.
	ic = upgraded("UpgradeControllerMissing", nil)
	if ic.Status.Phase != v1alpha1.PhaseUpgrading || !strings.Contains(meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionUpgraded).Message, "kubectl import upgrader install edge") {
		t.Fatalf("phase %s, condition %+v", ic.Status.Phase, ic.Status.Conditions)
	}
	dyn := dynamic.NewForConfigOrDie(ds.Config)
	for plan, concurrency := range map[string]int64{v1alpha1.MasterPlan: 1, v1alpha1.WorkerPlan: 2} {
		p, err := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, plan, metav1.GetOptions{})
		must(t, err)
		if got := p.Object["spec"].(map[string]any)["concurrency"]; got != concurrency {
			t.Errorf("%s concurrency %v, want %d", plan, got, concurrency)
		}
	}
	installController(t, ds)

	suc := k3stest.NewSUC(t, ds.Config)
	servers := []string{"k3s-server-1", "k3s-server-2", "k3s-server-3"}
	for i, node := range servers {
		suc.PlanStatus(v1alpha1.MasterPlan, target, "h1", node)
		suc.Job("apply-master-"+node, v1alpha1.MasterPlan, node, false)
		upgraded("Upgrading", func(ic *v1alpha1.ImportedCluster) error {
			if s := ic.Status.Upgrade.Servers; s.Applying != 1 || s.Done != int32(i) || s.Total != 3 {
				return fmt.Errorf("servers %+v while %s upgrades", s, node)
			}
			return nil
		})
		suc.Finish(node, v1alpha1.MasterPlan, "h1", target)
	}
	suc.PlanStatus(v1alpha1.MasterPlan, target, "h1")
	suc.PlanStatus(v1alpha1.WorkerPlan, target, "h2", "k3s-agent-1", "k3s-agent-2")
	suc.Job("apply-worker-k3s-agent-2", v1alpha1.WorkerPlan, "k3s-agent-2", true)
	ic = upgraded("UpgradeJobFailed", func(ic *v1alpha1.ImportedCluster) error {
		if w := ic.Status.Upgrade.Workers; w.Applying != 2 || w.Done != 0 || ic.Status.Upgrade.Servers.Done != 3 {
			return fmt.Errorf("upgrade %+v", ic.Status.Upgrade)
		}
		return nil
	})
	if f := ic.Status.Upgrade.FailedJobs; len(f) != 1 || f[0].Node != "k3s-agent-2" || f[0].Job != "apply-worker-k3s-agent-2" {
		t.Fatalf("failed jobs %+v, want apply-worker-k3s-agent-2 on k3s-agent-2", f)
	}
	if ic.Status.Phase != v1alpha1.PhaseUpgrading {
		t.Fatalf("phase %s with a failed job, want Upgrading (reachable, not Unavailable)", ic.Status.Phase)
	}
	// The operator repairs the node; the controller retries and finishes every agent.
	must(t, suc.CS.BatchV1().Jobs(v1alpha1.AgentNamespace).Delete(ctx, "apply-worker-k3s-agent-2", metav1.DeleteOptions{}))
	for i := 1; i <= 5; i++ {
		suc.Finish(fmt.Sprintf("k3s-agent-%d", i), v1alpha1.WorkerPlan, "h2", target)
	}
	suc.PlanStatus(v1alpha1.WorkerPlan, target, "h2")
	upgraded("Upgraded", nil)
	eventually(t, phaseTimeout, "Active after the upgrade", func(ctx context.Context) error {
		ic, err := getCluster(ctx, hub, "edge")
		if err != nil {
			return err
		}
		if ic.Status.Phase != v1alpha1.PhaseActive || ic.Status.Upgrade.Workers.Done != 5 || ic.Status.Upgrade.Servers.Done != 3 {
			return fmt.Errorf("phase %s, upgrade %+v", ic.Status.Phase, ic.Status.Upgrade)
		}
		return nil
	})
}

// installController creates the system-upgrade-controller Deployment the way `upgrader
// install` does, as far as ControllerPresent looks.
func installController(t *testing.T, ds *testenv.Cluster) {
	t.Helper()
	labels := map[string]string{"app": v1alpha1.UpgradeController}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.UpgradeController, Namespace: v1alpha1.AgentNamespace},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "controller", Image: k3s.DefaultControllerImage}}}},
		},
	}
	must(t, ds.Client.Create(context.Background(), d))
}

// TestUpgradeClampsToObservedQuorum: a spec asks for 2 servers at once on a cluster with 3
// embedded-etcd members, as one the webhook judged against an older status (5 members, since
// removed) or never saw (it was down, or no webhook runs, as here). The sync clamps the master
// plan to what the 3 members it has just observed allow, says so in Upgraded, and the
// downstream fence admits the clamped plan (it would refuse 2: the import counted 3).
func TestUpgradeClampsToObservedQuorum(t *testing.T) {
	hub, ds := importK3s(t, 2, v1alpha1.ModeDirect)
	ctx := context.Background()
	installController(t, ds)

	running, err := validate.ParseK3sVersion(ds.Version)
	must(t, err)
	running.Patch++
	ic, err := getCluster(ctx, hub, "edge")
	must(t, err)
	ic.Spec.K3s = &v1alpha1.K3sSpec{Version: running.String(), UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 2, WorkerConcurrency: 1}}
	must(t, hub.Client.Update(ctx, ic))

	dyn := dynamic.NewForConfigOrDie(ds.Config)
	eventually(t, phaseTimeout, "the master plan clamped to 1", func(ctx context.Context) error {
		p, err := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.MasterPlan, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got := p.Object["spec"].(map[string]any)["concurrency"]; got != int64(1) {
			return fmt.Errorf("master plan concurrency %v", got)
		}
		ic, err := getCluster(ctx, hub, "edge")
		if err != nil {
			return err
		}
		c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionUpgraded)
		if c == nil || !strings.Contains(c.Message, "k3s-master-plan runs 1 server(s) at once, not spec.k3s.upgradeStrategy.serverConcurrency 2: with 3 embedded-etcd members observed now, more would break quorum") {
			return fmt.Errorf("Upgraded %+v", c)
		}
		return nil
	})
}

// importK3s starts a hub and a K3s downstream with 3 embedded-etcd servers and agents workers,
// runs the reconciler (and in agent mode the agent) and imports it as edge, Active.
func importK3s(t *testing.T, agents int, mode v1alpha1.Mode) (hub, ds *testenv.Cluster) {
	t.Helper()
	clusters := testenv.StartAll(t,
		testenv.Options{Name: "hub", HubCRDs: true},
		testenv.Options{Name: "k3s", K3s: true, PlanCRD: true})
	hub, ds = clusters[0], clusters[1]
	ctx := context.Background()
	must(t, testenv.CreateK3sNodes(ctx, ds.Client, 3, agents, ds.Version))
	startReconciler(t, hub, controller.Options{ProbeInterval: probeInterval, ProbeTimeout: 3 * time.Second, CleanupTimeout: cleanupTimeout})
	req, token := prepareImportMode(t, hub, ds, "edge", nil, mode)
	if _, err := importer.Register(ctx, hub.Client, req, token, io.Discard); err != nil {
		t.Fatal(err)
	}
	if mode == v1alpha1.ModeAgent {
		startAgentFor(t, hub, ds, "edge")
	}
	waitPhase(t, hub, "edge", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
	return hub, ds
}
