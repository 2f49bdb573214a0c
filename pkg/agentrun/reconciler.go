package agentrun

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/status"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// reconciler synchronises the agent's own cluster with its ImportedCluster.
type reconciler struct {
	hub client.Client
	// fresh reads the ImportedCluster from the API server, not the cache: for the retry of a
	// status write that met the hub's own (Heartbeat) write.
	fresh   client.Reader
	ds      clustersync.Downstream
	events  record.EventRecorder
	opts    Options
	cluster string
	// cleaned is set once the downstream is clean: the agent has no rights left there, so a
	// retry only reports it.
	cleaned bool
	// done is called once the cleanup is reported: the agent's work is over.
	done func()
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var ic v1alpha1.ImportedCluster
	if err := r.hub.Get(ctx, req.NamespacedName, &ic); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ic.DeletionTimestamp.IsZero() {
		return r.disconnect(ctx, &ic)
	}
	if !ic.Spec.AgentMode() {
		log.FromContext(ctx).Info("the ImportedCluster is in direct mode: the hub synchronises it, the agent stays idle", "mode", ic.Spec.Mode)
		return ctrl.Result{RequeueAfter: r.opts.SyncInterval}, nil
	}
	observed := ic.DeepCopy()
	clustersync.Sync(ctx, r.ds, observed, r.events)
	observed.Status.Agent = &v1alpha1.AgentStatus{Version: version.Version}
	if err := Report(ctx, r.hub, r.fresh, &ic, &observed.Status); err != nil {
		return ctrl.Result{}, err
	}
	clustersync.ShowPhase(ctx, r.ds, &ic)
	return ctrl.Result{RequeueAfter: spread(r.opts.SyncInterval)}, nil
}

// ProbeRefresh is how stale status.lastProbeTime may get before a sync that changed nothing
// else still writes it. The hub knows the agent alive from its tunnel or heartbeat, not from
// this time: a refresh every few minutes per cluster would be most of a large fleet's writes
// (5,000 clusters: 17 a second at 5 minutes, 1.4 at an hour).
const ProbeRefresh = time.Hour

// Report writes what the agent observed into ic's status through hub (the agent's own hub
// client) with the writer the hub uses too, as the agent's (clustersync.AgentWriter): when it
// changed anything, keeping the hub's own conditions, with the phase derived; a newer
// lastProbeTime alone is written once the stored one is older than ProbeRefresh. A
// conflict with the hub's write is retried on a fresh read (from fresh), so it is never a
// failed report. Exported for a fleet simulator that reports for many clusters from one process.
func Report(ctx context.Context, hub client.Client, fresh client.Reader, ic *v1alpha1.ImportedCluster, observed *v1alpha1.ImportedClusterStatus) error {
	if _, err := clustersync.AgentWriter(hub, fresh, ProbeRefresh).Write(ctx, ic, observed); err != nil {
		return fmt.Errorf("reporting status: %w", err)
	}
	return nil
}

// disconnect removes what the import put in the downstream (the agent's own ClusterRole last,
// which takes the agent's Deployment and rights with it), reports it in DownstreamRemoved, on
// which the hub drops its finalizer, and ends the agent.
func (r *reconciler) disconnect(ctx context.Context, ic *v1alpha1.ImportedCluster) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(ic, v1alpha1.Finalizer) {
		r.done()
		return ctrl.Result{}, nil
	}
	if status.ConditionReason(&ic.Status, v1alpha1.ConditionDownstreamRemoved) == v1alpha1.ReasonRemoved {
		r.done()
		return ctrl.Result{}, nil
	}
	if !r.cleaned {
		if err := clustersync.Clean(ctx, r.ds, ic, time.Now().Add(r.opts.ProbeTimeout)); err != nil {
			if werr := r.setRemoved(ctx, ic, metav1.ConditionFalse, v1alpha1.ReasonRetrying, err.Error()); werr != nil {
				return ctrl.Result{}, werr
			}
			return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
		}
		r.cleaned = true
	}
	if err := r.setRemoved(ctx, ic, metav1.ConditionTrue, v1alpha1.ReasonRemoved, clustersync.CleanedMessage+" (by kimport-agent)"); err != nil {
		return ctrl.Result{}, fmt.Errorf("reporting the cleanup: %w", err)
	}
	log.FromContext(ctx).Info("downstream cleaned and reported; the agent stops")
	r.done()
	return ctrl.Result{}, nil
}

// setRemoved records the DownstreamRemoved condition, retrying on a conflict with the hub.
func (r *reconciler) setRemoved(ctx context.Context, ic *v1alpha1.ImportedCluster, cs metav1.ConditionStatus, reason, msg string) error {
	observed := ic.DeepCopy()
	status.SetCondition(observed, v1alpha1.ConditionDownstreamRemoved, cs, reason, msg)
	_, err := clustersync.AgentWriter(r.hub, r.fresh, 0).Write(ctx, ic, &observed.Status)
	return err
}
