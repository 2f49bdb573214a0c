// Package controller is the hub reconciler of ImportedClusters: it probes each downstream,
// keeps status true, assigns projects, applies member roles, and cleans the downstream when a
// cluster is deleted.
package controller

import (
	"context"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
)

// Name is the controller's name, also its event source.
const Name = v1alpha1.ReconcilerName

const maxConcurrentReconciles = 4

// CacheOptions restrict what the manager caches to what the reconciler may read: Secrets
// only in kimport-system and only those labelled with a cluster. Pass them to ctrl.Options.
func CacheOptions() cache.Options {
	hasCluster, err := labels.NewRequirement(v1alpha1.ClusterLabel, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant selector cannot be invalid
	}
	isHeartbeat, err := labels.NewRequirement(v1alpha1.HeartbeatLabel, selection.Equals, []string{"true"})
	if err != nil {
		panic(err)
	}
	return cache.Options{
		// No one in the hub component reads managedFields: not holding them cuts the memory
		// and GC work of caching every ImportedCluster (the webhook's index) by about half.
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Namespaces: map[string]cache.Config{v1alpha1.HubNamespace: {}},
				Label:      labels.NewSelector().Add(*hasCluster),
			},
			// Only agents' heartbeat Leases: identity claims and leader election are read uncached.
			&coordinationv1.Lease{}: {
				Namespaces: map[string]cache.Config{v1alpha1.HubNamespace: {}},
				Label:      labels.NewSelector().Add(*isHeartbeat),
			},
		}}
}

// SetupWithManager registers the reconciler. The manager must be built with CacheOptions.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	r := &Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		//lint:ignore SA1019 core/v1 Events are what describe reads; the events.k8s.io recorder is a follow-up
		Recorder: mgr.GetEventRecorderFor(Name),
		Options:  opts.withDefaults(),
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(Name).
		// One unreachable downstream holds a worker for up to ProbeTimeout: keep several.
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: maxConcurrentReconciles}).
		// Status writes must not trigger a reconcile (each would probe again at once).
		For(&v1alpha1.ImportedCluster{}, builder.WithPredicates(predicate.Or(clustersync.Changed(), agentCleanupReported()))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(clusterOfSecret)).
		Watches(&coordinationv1.Lease{}, r.heartbeatHandler())
	if t := r.Options.Tunnels; t != nil {
		// A tunnel that attaches or goes wakes its cluster's reconciler: no timer polls.
		b = b.WatchesRawSource(source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
			t.Notify(func(cluster string) { q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Name: cluster}}) })
			return nil
		}))
	}
	return b.Complete(r)
}

// clusterOfSecret maps a credentials Secret to the cluster named by its label, so that the
// arrival of credentials starts the import at once.
func clusterOfSecret(_ context.Context, obj client.Object) []reconcile.Request {
	name := obj.GetLabels()[v1alpha1.ClusterLabel]
	if obj.GetNamespace() != v1alpha1.HubNamespace || name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
}

// agentCleanupReported wakes the reconciler for a status write too while an agent-mode
// cluster is deleted: the agent reports its cleanup there, and the finalizer waits on it.
func agentCleanupReported() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectNew.GetDeletionTimestamp() != nil && isAgentMode(e.ObjectNew)
	}}
}

func isAgentMode(o client.Object) bool {
	ic, ok := o.(*v1alpha1.ImportedCluster)
	return ok && ic.Spec.AgentMode()
}
