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
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// reconciler synchronises the agent's own cluster with its ImportedCluster.
type reconciler struct {
	hub     client.Client
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
	before := ic.Status.DeepCopy()
	clustersync.Sync(ctx, r.ds, &ic, r.events)
	ic.Status.Agent = &v1alpha1.AgentStatus{Version: version.Version}
	ic.Status.Phase = clustersync.PhaseFor(&ic)
	if !clustersync.Unchanged(before, &ic.Status, 10*r.opts.SyncInterval) {
		if err := r.hub.Status().Update(ctx, &ic); err != nil {
			return ctrl.Result{}, fmt.Errorf("reporting status: %w", err)
		}
	}
	clustersync.ShowPhase(ctx, r.ds, &ic)
	return ctrl.Result{RequeueAfter: r.opts.SyncInterval}, nil
}

// disconnect removes what the import put in the downstream (the agent's own ClusterRole last,
// which takes the agent's Deployment and rights with it), reports it in DownstreamRemoved, on
// which the hub drops its finalizer, and ends the agent.
func (r *reconciler) disconnect(ctx context.Context, ic *v1alpha1.ImportedCluster) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(ic, v1alpha1.Finalizer) {
		r.done()
		return ctrl.Result{}, nil
	}
	if clustersync.ConditionReason(&ic.Status, v1alpha1.ConditionDownstreamRemoved) == v1alpha1.ReasonRemoved {
		r.done()
		return ctrl.Result{}, nil
	}
	before := ic.Status.DeepCopy()
	if !r.cleaned {
		if err := clustersync.Clean(ctx, r.ds, ic, time.Now().Add(r.opts.ProbeTimeout)); err != nil {
			clustersync.SetCondition(ic, v1alpha1.ConditionDownstreamRemoved, metav1.ConditionFalse, v1alpha1.ReasonRetrying, err.Error())
			if !clustersync.Unchanged(before, &ic.Status, 0) {
				if werr := r.hub.Status().Update(ctx, ic); werr != nil {
					return ctrl.Result{}, werr
				}
			}
			return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
		}
		r.cleaned = true
	}
	clustersync.SetCondition(ic, v1alpha1.ConditionDownstreamRemoved, metav1.ConditionTrue, v1alpha1.ReasonRemoved,
		clustersync.CleanedMessage+" (by kimport-agent)")
	if err := r.hub.Status().Update(ctx, ic); err != nil {
		return ctrl.Result{}, fmt.Errorf("reporting the cleanup: %w", err)
	}
	log.FromContext(ctx).Info("downstream cleaned and reported; the agent stops")
	r.done()
	return ctrl.Result{}, nil
}
