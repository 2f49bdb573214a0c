package clustersync

import (
	"maps"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// Changed is the change predicate of both who run the sync, the hub's reconciler and the
// agent: an update of an ImportedCluster wakes them when what they act on changed (its spec,
// its deletion, its finalizers, its annotations: capability overrides, the join expiry, the
// hub's metadata), never for a status write alone, which would make them probe again at once.
func Changed() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld, e.ObjectNew
		return o.GetGeneration() != n.GetGeneration() ||
			!o.GetDeletionTimestamp().Equal(n.GetDeletionTimestamp()) ||
			!slices.Equal(o.GetFinalizers(), n.GetFinalizers()) ||
			!maps.Equal(o.GetAnnotations(), n.GetAnnotations())
	}}
}
