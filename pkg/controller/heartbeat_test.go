package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// TestHeartbeatsByLeaseName: a heartbeat counts for the cluster its Lease is named after,
// whatever its labels say, and only for an ImportedCluster that exists in agent mode; the
// hub forgets a cluster's heartbeat with the cluster. So its memory of heartbeats holds at
// most one entry per agent-mode ImportedCluster, however many Leases or label values appear.
func TestHeartbeatsByLeaseName(t *testing.T) {
	agentIC := func(name string, mode v1alpha1.Mode) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1alpha1.ImportedClusterSpec{Mode: mode, ClusterID: "id-" + name}}
	}
	c := crfake.NewClientBuilder().WithScheme(scheme.Scheme).
		WithObjects(agentIC("a", v1alpha1.ModeAgent), agentIC("b", v1alpha1.ModeAgent), agentIC("d", v1alpha1.ModeDirect)).Build()
	r := &Reconciler{Client: c, Options: Options{HeartbeatGrace: time.Minute}.withDefaults()}
	h := r.heartbeatHandler()
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	ctx := context.Background()
	renewed := func(name string, labels map[string]string, at time.Time) *coordinationv1.Lease {
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: name, Labels: labels},
			Spec: coordinationv1.LeaseSpec{RenewTime: &metav1.MicroTime{Time: at}}}
	}
	then, now := time.Now().Add(-time.Second), time.Now()
	update := func(name string, labels map[string]string) {
		h.Update(ctx, event.UpdateEvent{ObjectOld: renewed(name, labels, then), ObjectNew: renewed(name, labels, now)}, q)
	}

	// a's Lease relabelled as b's: it is still a's heartbeat.
	update(v1alpha1.HeartbeatName("a"), map[string]string{v1alpha1.ClusterLabel: "b", v1alpha1.HeartbeatLabel: "true"})
	if _, ok := r.heartbeats.last("b"); ok {
		t.Error("a's Lease, labelled kimport.dev/cluster=b, counted as b's heartbeat")
	}
	if _, ok := r.heartbeats.last("a"); !ok {
		t.Error("a's own renewal not recorded")
	}
	// No entry for Leases of no agent-mode cluster, of no cluster at all, or not named as a heartbeat.
	for i, name := range []string{v1alpha1.HeartbeatName("d"), v1alpha1.HeartbeatName("nope"), "cluster-", "elsewhere", v1alpha1.HeartbeatName("nope-2")} {
		update(name, map[string]string{v1alpha1.ClusterLabel: "label-" + string(rune('a'+i))})
		h.Create(ctx, event.CreateEvent{Object: renewed(name, nil, now)}, q)
	}
	if n := len(r.heartbeats.seen); n != 1 {
		t.Errorf("%d heartbeats remembered (%v), want 1 (a's)", n, r.heartbeats.seen)
	}
	// In another namespace a Lease named like a heartbeat is no heartbeat.
	other := renewed(v1alpha1.HeartbeatName("b"), nil, now)
	other.Namespace = "default"
	h.Create(ctx, event.CreateEvent{Object: other}, q)
	if _, ok := r.heartbeats.last("b"); ok {
		t.Error("a Lease outside kimport-system counted as b's heartbeat")
	}

	// Deleting the cluster forgets its heartbeat (the next reconcile finds it gone).
	if err := c.Delete(ctx, agentIC("a", v1alpha1.ModeAgent)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKey{Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.heartbeats.seen); n != 0 {
		t.Errorf("%d heartbeats remembered after a was deleted (%v), want none", n, r.heartbeats.seen)
	}
}

// TestHeartbeatCadenceIsTheHubs: the hub publishes its cadence in the heartbeat Lease, and
// judges each renewal by the cadence the Lease carried when the hub saw it: a renewal made at
// the default cadence is not late by the hub's shorter one before the agent has read it.
func TestHeartbeatCadenceIsTheHubs(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: v1alpha1.ImportedClusterSpec{Mode: v1alpha1.ModeAgent, ClusterID: "id-a"}}
	lease := agent.HubIdentity("a")[5].(*coordinationv1.Lease)
	lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
	c := crfake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(ic, lease).Build()
	r := &Reconciler{Client: c, Options: Options{HeartbeatGrace: 4 * time.Second}.withDefaults()}
	h := r.heartbeatHandler()
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	ctx := context.Background()

	h.Create(ctx, event.CreateEvent{Object: lease}, q)
	first, ok := r.heartbeats.last("a")
	if !ok || first.cadence.Grace() != heartbeat.DefaultLease {
		t.Fatalf("first sighting %+v (%v), want one at the Lease's default cadence", first, ok)
	}
	r.publishCadence(ctx, ic)
	var stored coordinationv1.Lease
	if err := c.Get(ctx, client.ObjectKeyFromObject(lease), &stored); err != nil {
		t.Fatal(err)
	}
	if got := heartbeat.Published(&stored); got.Lease != 4*time.Second || got.Interval() > 2*time.Second {
		t.Fatalf("published %s (agents renew every %s), want 4s", got.Lease, got.Interval())
	}

	// 10 s after a renewal at the default cadence: not late, the agent renews every 20 s.
	r.heartbeats.observe("a", sighting{at: time.Now().Add(-10 * time.Second), cadence: first.cadence})
	r.observeHeartbeat(ic)
	if reason := status.ConditionReason(&ic.Status, v1alpha1.ConditionHeartbeat); reason != v1alpha1.ReasonRenewed {
		t.Errorf("10s after a renewal at the default cadence: %s, want %s", reason, v1alpha1.ReasonRenewed)
	}
	// The agent renews, having read the hub's cadence: from now on 4 s count.
	renewed := stored.DeepCopy()
	renewed.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
	h.Update(ctx, event.UpdateEvent{ObjectOld: &stored, ObjectNew: renewed}, q)
	if s, _ := r.heartbeats.last("a"); s.cadence.Grace() != 4*time.Second {
		t.Errorf("sighting at the hub's cadence judged by %s, want 4s", s.cadence.Grace())
	}
	r.heartbeats.observe("a", sighting{at: time.Now().Add(-5 * time.Second), cadence: heartbeat.Published(renewed)})
	recheck := r.observeHeartbeat(ic)
	if reason := status.ConditionReason(&ic.Status, v1alpha1.ConditionHeartbeat); reason != v1alpha1.ReasonLate {
		t.Errorf("5s after a renewal at a 4s cadence: %s, want %s", reason, v1alpha1.ReasonLate)
	}
	if !recheck.IsZero() {
		t.Errorf("a late heartbeat is looked at again at %s; only a renewal or a tunnel can change it", recheck)
	}
}

// TestTunnelIsLiveness: an agent holding its tunnel is alive with no renewal; once its tunnel
// goes it stays alive for the reconnect grace, then is late; a renewal meanwhile keeps it.
func TestTunnelIsLiveness(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: v1alpha1.ImportedClusterSpec{Mode: v1alpha1.ModeAgent, ClusterID: "id-a"}}
	started := time.Now().Add(-time.Hour)
	tunnels := liveness.NewTunnels(started)
	r := &Reconciler{Options: Options{Tunnels: tunnels}.withDefaults()}
	judge := func(want string) time.Time {
		t.Helper()
		recheck := r.observeHeartbeat(ic)
		if got := status.ConditionReason(&ic.Status, v1alpha1.ConditionHeartbeat); got != want {
			t.Fatalf("Heartbeat %s, want %s", got, want)
		}
		return recheck
	}
	judge(v1alpha1.ReasonAwaitingAgent)
	tunnels.Attached("self", "a", time.Now())
	if recheck := judge(v1alpha1.ReasonAttached); !recheck.IsZero() {
		t.Errorf("an attached agent is looked at again at %s: only its tunnel's end should wake the hub", recheck)
	}
	tunnels.Detached("self", "a", time.Now().Add(-time.Second))
	if recheck := judge(v1alpha1.ReasonAttached); time.Until(recheck) < 8*time.Second || time.Until(recheck) > liveness.ReconnectGrace {
		t.Errorf("a detached agent is looked at again at %s, want when the reconnect grace ends", recheck)
	}
	tunnels.Detached("self", "a", time.Now().Add(-liveness.ReconnectGrace)) // no-op: gone already
	r.Options.Tunnels = liveness.NewTunnels(started)
	r.Options.Tunnels.Replace("peer", map[string]time.Time{"a": started}, started)
	r.Options.Tunnels.Forget("peer", time.Now().Add(-liveness.ReconnectGrace))
	judge(v1alpha1.ReasonLate)
	if c := status.FindCondition(&ic.Status, v1alpha1.ConditionHeartbeat); !strings.Contains(c.Message, "was not reattached within 10s") {
		t.Errorf("late message %q", c.Message)
	}
	r.heartbeats.observe("a", sighting{at: time.Now(), cadence: heartbeat.Of(0)})
	judge(v1alpha1.ReasonRenewed)
}
