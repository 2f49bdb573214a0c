package agent_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// upgradeRules: with a leaked agent token, an attacker writes the two Plans the fence lets
// the agent write, to upgrade around the hub's webhook: a downgrade (a version below what the
// nodes run, or a channel instead of a version), all servers at once (quorum lost), or the
// worker plan aimed at the servers. The fence holds the hub's rules: each is refused and the
// stored plans are unchanged. The plans the sync writes within the rules are admitted, and the
// quorum limit follows the etcd members once the import is re-run.
func (f *fenced) upgradeRules(t *testing.T) {
	ctx := context.Background()
	plans := f.dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace)
	running, err := validate.ParseK3sVersion(f.running)
	if err != nil {
		t.Fatal(err)
	}
	older := running
	older.Minor--
	olderRelease := running
	olderRelease.K3s-- // v…+k3s0: the same Kubernetes version, an older K3s release
	next := running
	next.Patch++
	plan := func(name, version string, server, worker int32) *unstructured.Unstructured {
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: cluster},
			Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: version,
				UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: server, WorkerConcurrency: worker}}}}
		for _, p := range k3s.DesiredPlans(ic) {
			if p.GetName() == name {
				return p
			}
		}
		t.Fatalf("no plan %s", name)
		return nil
	}
	// The plans as the sync leaves them at the running version (the plans subtest may not have run).
	allowed(t, "applying the plans", k3sops.ApplyPlans(ctx, f.dyn, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: cluster},
		Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: next.String()}}}))
	f.waitUpgradeFence(t, map[string]*unstructured.Unstructured{
		"may not downgrade":             plan(v1alpha1.MasterPlan, older.String(), 1, 1),
		"embedded-etcd servers at once": plan(v1alpha1.MasterPlan, next.String(), 3, 1),
	})
	stored := func() map[string]string { // resourceVersions: a refused write leaves them
		out := map[string]string{}
		for _, name := range []string{v1alpha1.MasterPlan, v1alpha1.WorkerPlan} {
			p, err := plans.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out[name] = p.GetResourceVersion()
		}
		return out
	}
	before := stored()
	update := func(p *unstructured.Unstructured) error {
		have, err := plans.Get(ctx, p.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		have.Object["spec"] = p.Object["spec"]
		_, err = plans.Update(ctx, have, metav1.UpdateOptions{})
		return err
	}

	t.Run("downgrades", func(t *testing.T) {
		for _, tc := range []struct {
			what string
			p    *unstructured.Unstructured
		}{
			{"the master plan to the previous minor " + older.String(), plan(v1alpha1.MasterPlan, older.String(), 1, 1)},
			{"the worker plan to the previous minor " + older.String(), plan(v1alpha1.WorkerPlan, older.String(), 1, 1)},
			{"the master plan to an older K3s release " + olderRelease.String(), plan(v1alpha1.MasterPlan, olderRelease.String(), 1, 1)},
		} {
			refusedWith(t, "updating "+tc.what, update(tc.p), "may not downgrade")
		}
		channel := plan(v1alpha1.MasterPlan, next.String(), 1, 1)
		spec := channel.Object["spec"].(map[string]any)
		delete(spec, "version")
		spec["channel"] = "https://attacker.example/k3s/stable"
		// Both the fence and its version policy refuse these; the API server names either.
		refused(t, "updating the master plan to a channel", update(channel))
		latest := plan(v1alpha1.MasterPlan, "latest", 1, 1)
		refused(t, "updating the master plan to version latest", update(latest))
		// Deleted and created anew, as the fence lets the agent delete its plans: the nodes
		// still say what is a downgrade.
		fresh := plan(v1alpha1.MasterPlan, older.String(), 1, 1)
		fresh.SetName(v1alpha1.MasterPlan)
		_, err := plans.Create(ctx, fresh, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		refusedWith(t, "creating the master plan at "+older.String(), err, "may not downgrade")
	})

	t.Run("quorum", func(t *testing.T) {
		for _, c := range []int32{2, 3} {
			refusedWith(t, fmt.Sprintf("updating the master plan to upgrade %d of 3 etcd servers at once", c),
				update(plan(v1alpha1.MasterPlan, next.String(), c, 1)), "may upgrade at most 1 of the 3 embedded-etcd servers at once")
		}
		aimed := plan(v1alpha1.WorkerPlan, next.String(), 1, 10)
		sel := aimed.Object["spec"].(map[string]any)["nodeSelector"].(map[string]any)
		sel["matchExpressions"] = []any{map[string]any{"key": v1alpha1.NodeRoleControlPlane, "operator": "In", "values": []any{"true"}}}
		refused(t, "aiming the worker plan (concurrency 10) at the servers", update(aimed))
		both := plan(v1alpha1.WorkerPlan, next.String(), 1, 10)
		both.Object["spec"].(map[string]any)["nodeSelector"] = map[string]any{"matchLabels": map[string]any{"kubernetes.io/os": "linux"}}
		refused(t, "aiming the worker plan at every node", update(both))

		// The count the rule reads is the import's: the agent cannot raise it.
		cms := f.as.CoreV1().ConfigMaps(v1alpha1.AgentNamespace)
		_, err := cms.Patch(ctx, agent.UpgradeLimitsName, types.MergePatchType, mergePatch(t, map[string]any{"data": map[string]any{agent.UpgradeLimitsEtcdMembers: "99"}}), metav1.PatchOptions{})
		refused(t, "raising the etcd count", err)
		refused(t, "deleting the etcd count", cms.Delete(ctx, agent.UpgradeLimitsName, metav1.DeleteOptions{}))
		var limits corev1.ConfigMap
		if err := f.admin.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: agent.UpgradeLimitsName}, &limits); err != nil || limits.Data[agent.UpgradeLimitsEtcdMembers] != "3" {
			t.Errorf("the etcd count changed: %v (err %v)", limits.Data, err)
		}
	})
	if after := stored(); !maps.Equal(after, before) {
		t.Errorf("the plans changed: before %v, after %v", before, after)
	}

	t.Run("the plans the sync writes within the rules", func(t *testing.T) {
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: cluster},
			Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: f.running,
				UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 2, DrainServerNodes: true}}}}
		allowed(t, "the running version again", k3sops.ApplyPlans(ctx, f.dyn, ic))
		ic.Spec.K3s.Version = next.String()
		allowed(t, "the next patch release", k3sops.ApplyPlans(ctx, f.dyn, ic))

		// Two more etcd servers; the import re-run counts 5: 2 at once keep quorum, 3 do not.
		if err := testenv.CreateNodes(ctx, f.admin, "k3s-server-x", 2, f.running,
			map[string]string{v1alpha1.NodeRoleControlPlane: "true", v1alpha1.NodeRoleEtcd: "true"}); err != nil {
			t.Fatal(err)
		}
		ic.Spec.K3s.UpgradeStrategy.ServerConcurrency = 2
		refusedWith(t, "2 servers at once with the count of 3", k3sops.ApplyPlans(ctx, f.dyn, ic), "re-run the import after adding etcd members")
		if _, err := importer.ApplyDownstream(ctx, f.admin, f.req, io.Discard); err != nil {
			t.Fatal(err)
		}
		f.waitLimit(t, 5)
		allowed(t, "2 of 5 servers at once", k3sops.ApplyPlans(ctx, f.dyn, ic))
		ic.Spec.K3s.UpgradeStrategy.ServerConcurrency = 3
		refusedWith(t, "3 of 5 servers at once", k3sops.ApplyPlans(ctx, f.dyn, ic), "may upgrade at most 2 of the 5 embedded-etcd servers at once")
		// The fence's formula is the hub's.
		if got := validate.ServerConcurrencyLimit(5); got != 2 {
			t.Errorf("the hub allows %d of 5, the fence 2", got)
		}
	})
}

// refusedWith asserts the fence refused with a message containing want.
func refusedWith(t *testing.T, what string, err error, want string) {
	t.Helper()
	refused(t, what, err)
	if err != nil && !strings.Contains(err.Error(), want) {
		t.Errorf("%s: %v lacks %q", what, err, want)
	}
}

// waitUpgradeFence waits until the upgrade policies, loaded asynchronously, refuse a dry run
// of each probe with the message it maps from.
func (f *fenced) waitUpgradeFence(t *testing.T, probes map[string]*unstructured.Unstructured) {
	t.Helper()
	plans := f.dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace)
	for want, probe := range probes {
		var last error
		err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, last = plans.Update(ctx, withVersionOf(ctx, plans, probe), metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
			return isFence(last) && strings.Contains(last.Error(), want), nil
		})
		if err != nil {
			t.Fatalf("the upgrade fence never refused with %q (last answer: %v)", want, last)
		}
	}
}

// withVersionOf gives p the resourceVersion of the stored plan of its name, for an update.
func withVersionOf(ctx context.Context, plans interface {
	Get(context.Context, string, metav1.GetOptions, ...string) (*unstructured.Unstructured, error)
}, p *unstructured.Unstructured) *unstructured.Unstructured {
	if have, err := plans.Get(ctx, p.GetName(), metav1.GetOptions{}); err == nil {
		have.Object["spec"] = p.Object["spec"]
		return have
	}
	return p
}

// waitLimit waits until the quorum policy reads n etcd members (its parameter is cached).
func (f *fenced) waitLimit(t *testing.T, n int) {
	t.Helper()
	limit := validate.ServerConcurrencyLimit(n)
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: cluster},
		Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: f.running,
			UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: int32(limit), WorkerConcurrency: 1}}}}
	probe := k3s.DesiredPlans(ic)[0]
	plans := f.dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace)
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, last = plans.Update(ctx, withVersionOf(ctx, plans, probe), metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("the quorum policy never admitted %d servers at once (last answer: %v)", limit, last)
	}
}
