package k3sops_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/k3stest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
)

const (
	fromVersion = "v1.37.2+k3s1"
	toVersion   = "v1.37.3+k3s1"
)

// TestAgainstAPIServer runs against a real K3s-like API server with the Plan CRD and the
// nodes of a 3-server, 5-agent K3s cluster. Subtests share it and run in order.
func TestAgainstAPIServer(t *testing.T) {
	ds := testenv.Start(t, testenv.Options{Name: "k3s", K3s: true, PlanCRD: true})
	ctx := context.Background()
	if err := testenv.CreateK3sNodes(ctx, ds.Client, 3, 5, fromVersion); err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(ds.Config)
	dyn := dynamic.NewForConfigOrDie(ds.Config)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cr, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentClusterRole}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ic := upgradeTo(toVersion, v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 2})
	sim := k3stest.NewSUC(t, ds.Config)

	t.Run("ApplyPlans creates plans the CRD stores exactly", func(t *testing.T) {
		if err := k3sops.ApplyPlans(ctx, dyn, ic); err != nil {
			t.Fatal(err)
		}
		for _, want := range k3s.DesiredPlans(ic) {
			got, err := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, want.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Object["spec"], want.Object["spec"]) {
				t.Errorf("stored spec of %s:\n%v\nwant\n%v", want.GetName(), got.Object["spec"], want.Object["spec"])
			}
			if refs := got.GetOwnerReferences(); len(refs) != 1 || refs[0].UID != cr.UID {
				t.Errorf("%s owner references = %+v, want the agent ClusterRole", want.GetName(), refs)
			}
		}
	})

	t.Run("progress before the controller acts: everything pending, controller missing", func(t *testing.T) {
		if ok, err := k3sops.ControllerPresent(ctx, cs); err != nil || ok {
			t.Errorf("ControllerPresent = %v, %v; want false", ok, err)
		}
		st, done, err := k3sops.Progress(ctx, cs, dyn, ic, listNodes(t, cs))
		if err != nil || done {
			t.Fatalf("Progress = %v, %v", done, err)
		}
		want := &v1alpha1.UpgradeStatus{TargetVersion: toVersion,
			Servers: v1alpha1.PoolUpgrade{Plan: v1alpha1.MasterPlan, Total: 3}, Workers: v1alpha1.PoolUpgrade{Plan: v1alpha1.WorkerPlan, Total: 5}}
		if !reflect.DeepEqual(st, want) {
			t.Errorf("status = %+v\nwant %+v", st, want)
		}
		c := k3s.UpgradedCondition(ic, false, st, done)
		if c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonUpgradeControllerMissing || !contains(c.Message, "kubectl import upgrader install prod") {
			t.Errorf("condition = %+v", c)
		}
	})

	hash := "4f0a9c3e1b"
	t.Run("a strategy change updates the plans in place; finished nodes stay finished", func(t *testing.T) {
		sim.PlanStatus(v1alpha1.MasterPlan, toVersion, hash, "k3s-server-2")
		sim.Finish("k3s-server-1", v1alpha1.MasterPlan, hash, toVersion)
		before, _ := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.MasterPlan, metav1.GetOptions{})

		if err := k3sops.ApplyPlans(ctx, dyn, ic); err != nil { // unchanged: no write at all
			t.Fatal(err)
		}
		same, _ := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.MasterPlan, metav1.GetOptions{})
		if same.GetResourceVersion() != before.GetResourceVersion() {
			t.Errorf("re-applying unchanged plans wrote them (resourceVersion %s → %s)", before.GetResourceVersion(), same.GetResourceVersion())
		}

		changed := upgradeTo(toVersion, v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 3, DrainServerNodes: true, DrainWorkerNodes: true})
		if err := k3sops.ApplyPlans(ctx, dyn, changed); err != nil {
			t.Fatal(err)
		}
		after, _ := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.MasterPlan, metav1.GetOptions{})
		if after.GetUID() != before.GetUID() || after.GetGeneration() != before.GetGeneration()+1 {
			t.Errorf("plan replaced or not updated: uid %s→%s generation %d→%d", before.GetUID(), after.GetUID(), before.GetGeneration(), after.GetGeneration())
		}
		if !reflect.DeepEqual(after.Object["status"], before.Object["status"]) {
			t.Errorf("status changed: %v → %v", before.Object["status"], after.Object["status"])
		}
		for _, field := range []string{"version", "serviceAccountName"} { // what latestHash covers
			if after.Object["spec"].(map[string]any)[field] != before.Object["spec"].(map[string]any)[field] {
				t.Errorf("spec.%s changed", field)
			}
		}
		if d := after.Object["spec"].(map[string]any)["drain"]; !reflect.DeepEqual(d, map[string]any{"force": true}) {
			t.Errorf("spec.drain = %v, want force", d)
		}
		worker, _ := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.WorkerPlan, metav1.GetOptions{})
		if c := worker.Object["spec"].(map[string]any)["concurrency"]; c != int64(3) {
			t.Errorf("worker concurrency = %v, want 3", c)
		}
		n, _ := cs.CoreV1().Nodes().Get(ctx, "k3s-server-1", metav1.GetOptions{})
		if n.Labels[v1alpha1.PlanNodeLabel(v1alpha1.MasterPlan)] != hash {
			t.Errorf("finished node lost its plan label: %v", n.Labels)
		}
		ic = changed
	})

	t.Run("simulated rollout over 3 servers and 5 agents", func(t *testing.T) {
		ctrl := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.UpgradeController, Namespace: v1alpha1.AgentNamespace}}
		ctrl.Spec = k3s.ControllerObjects("prod", k3s.DefaultControllerImage)[5].(*appsv1.Deployment).Spec
		if _, err := cs.AppsV1().Deployments(v1alpha1.AgentNamespace).Create(ctx, ctrl, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if ok, err := k3sops.ControllerPresent(ctx, cs); err != nil || !ok {
			t.Fatalf("ControllerPresent = %v, %v; want true", ok, err)
		}
		step := func(wantServers, wantWorkers v1alpha1.PoolUpgrade, wantDone bool) *v1alpha1.UpgradeStatus {
			t.Helper()
			st, done, err := k3sops.Progress(ctx, cs, dyn, ic, listNodes(t, cs))
			if err != nil {
				t.Fatal(err)
			}
			wantServers.Plan, wantWorkers.Plan = v1alpha1.MasterPlan, v1alpha1.WorkerPlan
			if st.Servers != wantServers || st.Workers != wantWorkers || done != wantDone {
				t.Errorf("servers %+v workers %+v done %v\nwant    %+v         %+v      %v", st.Servers, st.Workers, done, wantServers, wantWorkers, wantDone)
			}
			return st
		}
		// server-1 finished above, server-2 applying.
		st := step(v1alpha1.PoolUpgrade{Applying: 1, Done: 1, Total: 3}, v1alpha1.PoolUpgrade{Total: 5}, false)
		if c := k3s.UpgradedCondition(ic, true, st, false); c.Reason != v1alpha1.ReasonUpgrading {
			t.Errorf("condition = %+v", c)
		}
		sim.Finish("k3s-server-2", v1alpha1.MasterPlan, hash, toVersion)
		sim.PlanStatus(v1alpha1.MasterPlan, toVersion, hash, "k3s-server-3")
		step(v1alpha1.PoolUpgrade{Applying: 1, Done: 2, Total: 3}, v1alpha1.PoolUpgrade{Total: 5}, false)
		sim.Finish("k3s-server-3", v1alpha1.MasterPlan, hash, toVersion)
		sim.PlanStatus(v1alpha1.MasterPlan, toVersion, hash)
		sim.PlanStatus(v1alpha1.WorkerPlan, toVersion, hash, "k3s-agent-1", "k3s-agent-2", "k3s-agent-3")
		step(v1alpha1.PoolUpgrade{Done: 3, Total: 3}, v1alpha1.PoolUpgrade{Applying: 3, Total: 5}, false)

		sim.Job("apply-k3s-worker-plan-on-k3s-agent-2-with-4f0a9", v1alpha1.WorkerPlan, "k3s-agent-2", true)
		sim.Job("apply-k3s-worker-plan-on-k3s-agent-1-with-4f0a9", v1alpha1.WorkerPlan, "k3s-agent-1", false)
		sim.Finish("k3s-agent-1", v1alpha1.WorkerPlan, hash, toVersion)
		sim.Finish("k3s-agent-3", v1alpha1.WorkerPlan, hash, toVersion)
		sim.PlanStatus(v1alpha1.WorkerPlan, toVersion, hash, "k3s-agent-2", "k3s-agent-4", "k3s-agent-5")
		st = step(v1alpha1.PoolUpgrade{Done: 3, Total: 3}, v1alpha1.PoolUpgrade{Applying: 3, Done: 2, Total: 5}, false)
		wantFailed := []v1alpha1.FailedJob{{Job: "apply-k3s-worker-plan-on-k3s-agent-2-with-4f0a9", Node: "k3s-agent-2", Message: "Job has reached the specified backoff limit"}}
		if !reflect.DeepEqual(st.FailedJobs, wantFailed) {
			t.Errorf("failed jobs = %+v, want %+v", st.FailedJobs, wantFailed)
		}
		if c := k3s.UpgradedCondition(ic, true, st, false); c.Reason != v1alpha1.ReasonUpgradeJobFailed || !contains(c.Message, "failed on node k3s-agent-2") {
			t.Errorf("condition = %+v", c)
		}

		for _, n := range []string{"k3s-agent-2", "k3s-agent-4", "k3s-agent-5"} {
			sim.Finish(n, v1alpha1.WorkerPlan, hash, toVersion)
		}
		sim.PlanStatus(v1alpha1.WorkerPlan, toVersion, hash)
		st = step(v1alpha1.PoolUpgrade{Done: 3, Total: 3}, v1alpha1.PoolUpgrade{Done: 5, Total: 5}, true)
		if len(st.FailedJobs) != 0 {
			t.Errorf("a failed job of a node that finished since is still reported: %+v", st.FailedJobs)
		}
		if c := k3s.UpgradedCondition(ic, true, st, true); c.Status != metav1.ConditionTrue || c.Message != "every node runs "+toVersion {
			t.Errorf("condition = %+v", c)
		}
	})

	t.Run("debug on sets the key and the controller's pod is recreated", func(t *testing.T) {
		if _, err := cs.CoreV1().ConfigMaps(v1alpha1.AgentNamespace).Create(ctx, k3s.NewControllerConfigMap("prod"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		d, err := k3sops.ControllerDeployment(ctx, cs)
		if err != nil {
			t.Fatal(err)
		}
		first := waitPod(t, cs, d, "")
		name, changed, err := k3sops.SetDebug(ctx, cs, d, true)
		if err != nil || !changed || name != v1alpha1.UpgradeControllerConfigMap {
			t.Fatalf("SetDebug = %s, %v, %v", name, changed, err)
		}
		if _, changed, _ := k3sops.SetDebug(ctx, cs, d, true); changed {
			t.Errorf("SetDebug twice changed it again")
		}
		cm, _ := cs.CoreV1().ConfigMaps(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.UpgradeControllerConfigMap, metav1.GetOptions{})
		if cm.Data[v1alpha1.UpgradeControllerDebug] != "true" || cm.Data["SYSTEM_UPGRADE_CONTROLLER_THREADS"] != "2" {
			t.Errorf("configmap data = %v", cm.Data)
		}
		deleted, err := k3sops.RestartController(ctx, cs, d)
		if err != nil || !slices.Equal(deleted, []string{first.Name}) {
			t.Fatalf("RestartController = %v, %v; want [%s]", deleted, err, first.Name)
		}
		second := waitPod(t, cs, d, first.UID)
		if second.UID == first.UID {
			t.Errorf("pod not recreated")
		}
	})
}

// waitPod waits until the ReplicaSet controller has created a pod for d other than the one
// with UID not (kube-controller-manager runs beside the API server).
func waitPod(t *testing.T, cs kubernetes.Interface, d *appsv1.Deployment, not types.UID) corev1.Pod {
	t.Helper()
	var pod corev1.Pod
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := k3sops.ControllerPods(ctx, cs, d)
		if err != nil {
			return false, err
		}
		for _, p := range pods {
			if p.UID != not && p.DeletionTimestamp == nil {
				pod = p
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no controller pod appeared: %v", err)
	}
	return pod
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func upgradeTo(version string, s v1alpha1.UpgradeStrategy) *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec:       v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: version, UpgradeStrategy: s}},
	}
}

func listNodes(t *testing.T, cs kubernetes.Interface) []corev1.Node {
	t.Helper()
	nodes, err := k3sops.ListNodes(context.Background(), cs)
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}
