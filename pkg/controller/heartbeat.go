package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
	"github.com/kubectl-import/kubectl-import/pkg/status"
	kimportversion "github.com/kubectl-import/kubectl-import/pkg/version"
)

// heartbeats remembers when the hub last saw each agent renew its Lease, by the hub's own
// clock: an agent's clock may be skewed, and a renewTime set in the future must not keep a
// silent agent Active. (The node lifecycle controller judges kubelets the same way.) With each
// sighting it keeps the cadence the Lease published then: the one the agent renews by until
// its next renewal, and so the grace of this one.
type heartbeats struct {
	mu   sync.Mutex
	seen map[string]sighting
}

// sighting is one renewal the hub saw.
type sighting struct {
	at      time.Time
	cadence heartbeat.Cadence
}

func (h *heartbeats) observe(cluster string, s sighting) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen = map[string]sighting{}
	}
	h.seen[cluster] = s
}

func (h *heartbeats) forget(cluster string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.seen, cluster)
}

func (h *heartbeats) last(cluster string) (sighting, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.seen[cluster]
	return s, ok
}

// heartbeatHandler records each renewal of a heartbeat Lease and wakes the reconciler of its
// cluster, and wakes it too for a Lease that does not publish the hub's cadence yet (a new
// one). A Lease first seen (the hub started) counts as renewed now if its renewTime is recent,
// so a restart of the hub does not mark every cluster Unavailable; an old one keeps its
// renewTime.
func (r *Reconciler) heartbeatHandler() handler.TypedEventHandler[client.Object, reconcile.Request] {
	enqueue := func(q workqueue.TypedRateLimitingInterface[reconcile.Request], cluster string) {
		q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Name: cluster}})
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			l, ic := r.heartbeatOf(ctx, e.Object)
			if ic == nil {
				return
			}
			published := heartbeat.Published(l)
			if l.Spec.RenewTime != nil {
				now := time.Now()
				at := l.Spec.RenewTime.Time
				if now.Sub(at) < published.Grace() {
					at = now
				}
				r.heartbeats.observe(ic.Name, sighting{at: at, cadence: published})
			}
			if l.Spec.RenewTime != nil || published != r.Options.cadence() {
				enqueue(q, ic.Name)
			}
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			old, _ := e.ObjectOld.(*coordinationv1.Lease)
			l, ic := r.heartbeatOf(ctx, e.ObjectNew)
			if ic == nil {
				return
			}
			published := heartbeat.Published(l)
			if l.Spec.RenewTime == nil || (old != nil && old.Spec.RenewTime.Equal(l.Spec.RenewTime)) {
				if published != r.Options.cadence() {
					enqueue(q, ic.Name) // someone changed the published cadence: publish it again
				}
				return
			}
			_, known := r.heartbeats.last(ic.Name)
			r.heartbeats.observe(ic.Name, sighting{at: time.Now(), cadence: published})
			if c := status.FindCondition(&ic.Status, v1alpha1.ConditionHeartbeat); !known || c == nil || c.Status != metav1.ConditionTrue {
				enqueue(q, ic.Name) // only a change of judgement needs a reconcile
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if cluster := v1alpha1.HeartbeatCluster(e.Object.GetName()); cluster != "" && e.Object.GetNamespace() == v1alpha1.HubNamespace {
				r.heartbeats.forget(cluster)
				enqueue(q, cluster)
			}
		},
	}
}

// heartbeatOf is the heartbeat Lease o and the agent-mode ImportedCluster it is the heartbeat
// of, or a nil cluster. The Lease's name alone says whose heartbeat it is: its labels are
// written by whoever may update it. A Lease of no agent-mode ImportedCluster is not recorded,
// so the hub remembers at most one heartbeat per agent-mode ImportedCluster.
func (r *Reconciler) heartbeatOf(ctx context.Context, o client.Object) (*coordinationv1.Lease, *v1alpha1.ImportedCluster) {
	l, ok := o.(*coordinationv1.Lease)
	cluster := v1alpha1.HeartbeatCluster(o.GetName())
	if !ok || o.GetNamespace() != v1alpha1.HubNamespace || cluster == "" {
		return nil, nil
	}
	var ic v1alpha1.ImportedCluster
	if err := r.Client.Get(ctx, client.ObjectKey{Name: cluster}, &ic); err != nil || !ic.Spec.AgentMode() {
		return l, nil
	}
	return l, &ic
}

// observeHeartbeat judges whether the agent is alive (the Heartbeat condition, which only the
// hub writes: pkg/liveness, by its tunnel to the hub gateway, else its heartbeat Lease) and its
// version (AgentVersion). Everything else in status is the agent's. It returns when to judge
// again unless a tunnel or a renewal wakes the reconciler first (zero: only then). The
// messages carry no time that changes while the verdict holds: status is written on a change.
func (r *Reconciler) observeHeartbeat(ic *v1alpha1.ImportedCluster) time.Time {
	lease := v1alpha1.HubNamespace + "/" + v1alpha1.HeartbeatName(ic.Name)
	last, renewed := r.heartbeats.last(ic.Name)
	e := liveness.Evidence{LeaseGrace: last.cadence.Grace(), Seen: seen(ic)}
	if renewed {
		e.Renewed = last.at
	}
	if r.Options.Tunnels != nil {
		e.Tunnel = r.Options.Tunnels.State(ic.Name)
	}
	v := liveness.Judge(time.Now(), e)
	switch v.Source {
	case liveness.Tunnel:
		status.SetCondition(ic, v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, v1alpha1.ReasonAttached,
			"the agent holds its tunnel to the hub gateway")
	case liveness.Lease:
		status.SetCondition(ic, v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, v1alpha1.ReasonRenewed, fmt.Sprintf(
			"the agent renews Lease %s (grace period %s)", lease, e.LeaseGrace))
	case liveness.Reconnecting, liveness.Starting:
		// As stored: the agent reconnects, or the hub has just started and not seen it yet.
	case liveness.Late:
		status.SetCondition(ic, v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, v1alpha1.ReasonLate, lateMessage(lease, e))
	default:
		status.SetCondition(ic, v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, v1alpha1.ReasonAwaitingAgent, fmt.Sprintf(
			"waiting for kimport-agent in the downstream to attach its tunnel to the hub gateway or renew Lease %s; if it does not start: kubectl -n cattle-system get deployment kimport-agent, and its logs", lease))
	}
	observeAgentVersion(ic)
	return v.Recheck
}

// seen says the stored status shows the agent judged before (by this replica or another).
func seen(ic *v1alpha1.ImportedCluster) bool {
	r := status.ConditionReason(&ic.Status, v1alpha1.ConditionHeartbeat)
	return r != "" && r != v1alpha1.ReasonAwaitingAgent
}

// alive says the stored Heartbeat condition shows the agent alive.
func alive(ic *v1alpha1.ImportedCluster) bool {
	c := status.FindCondition(&ic.Status, v1alpha1.ConditionHeartbeat)
	return c != nil && c.Status == metav1.ConditionTrue
}

// lateMessage says why an agent is judged late, and what to check.
func lateMessage(lease string, e liveness.Evidence) string {
	why := "the agent holds no tunnel to the hub gateway"
	if !e.Tunnel.Down.IsZero() {
		why = fmt.Sprintf("the agent's tunnel to the hub gateway closed at %s and was not reattached within %s", e.Tunnel.Down.UTC().Format(time.RFC3339), liveness.ReconnectGrace)
	}
	renewal := fmt.Sprintf("has not renewed Lease %s since this hub replica started", lease)
	if !e.Renewed.IsZero() {
		renewal = fmt.Sprintf("last renewed Lease %s at %s, more than the grace period %s ago", lease, e.Renewed.UTC().Format(time.RFC3339), e.LeaseGrace)
	}
	return why + " and " + renewal + ": it is stopped or cannot reach the hub (check kimport-agent in cattle-system of the downstream)"
}

// observeAgentVersion warns (AgentVersion False) while the agent's version is older than
// the hub's.
func observeAgentVersion(ic *v1alpha1.ImportedCluster) {
	if ic.Status.Agent == nil || ic.Status.Agent.Version == "" {
		return
	}
	agentV, hubV := ic.Status.Agent.Version, kimportversion.Version
	a, aerr := version.ParseSemantic(agentV)
	h, herr := version.ParseSemantic(hubV)
	if aerr == nil && herr == nil && a.LessThan(h) {
		status.SetCondition(ic, v1alpha1.ConditionAgentVersion, metav1.ConditionFalse, v1alpha1.ReasonBehind, fmt.Sprintf(
			"the agent runs %s, the hub %s: kubectl import agent upgrade %s", agentV, hubV, ic.Name))
		return
	}
	status.SetCondition(ic, v1alpha1.ConditionAgentVersion, metav1.ConditionTrue, v1alpha1.ReasonCurrent,
		fmt.Sprintf("the agent runs %s, the hub %s", agentV, hubV))
}

// publishCadence writes the hub's heartbeat cadence into the heartbeat Lease of ic when it
// carries another (the import creates it with the default). The hub judges each renewal by
// the cadence the Lease carried when it saw it, so a cadence not yet published, or not yet
// read by the agent, is never judged by the new one. A failure is logged and retried at the
// next reconcile: the Lease's own cadence stays consistent meanwhile.
func (r *Reconciler) publishCadence(ctx context.Context, ic *v1alpha1.ImportedCluster) {
	var l coordinationv1.Lease
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.HeartbeatName(ic.Name)}
	if err := r.Client.Get(ctx, key, &l); err != nil {
		return // not created yet (its creation wakes the reconciler), or the cache is not there yet
	}
	patch := client.MergeFrom(l.DeepCopy())
	if !r.Options.cadence().Publish(&l) {
		return
	}
	if err := r.Client.Patch(ctx, &l, patch); err != nil {
		log.FromContext(ctx).Info("cannot publish the heartbeat cadence; the agent keeps the Lease's", "lease", key.String(), "error", err.Error())
	}
}
