package describe

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import describe`.
type Options struct {
	common.RecordOptions

	client client.Client
}

// NewOptions accepts -o json|yaml|name.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
}

// Run connects to the hub and prints the description, or the object with -o.
func (o *Options) Run(ctx context.Context) error {
	var ic *v1alpha1.ImportedCluster
	var err error
	if o.client, ic, err = o.Record(ctx); err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.Output.PrintObj(ic, o.Out)
	}
	events, err := o.events(ctx, ic)
	if err != nil {
		return err
	}
	return Describe(o.Out, ic, o.profile(ctx, ic), events, o.Factory.Now())
}

// profile names the cluster's ClusterProfile (multicluster.x-k8s.io), found by its labels in
// whichever namespace the hub component publishes them, or says why there is none.
func (o *Options) profile(ctx context.Context, ic *v1alpha1.ImportedCluster) string {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(v1alpha1.ClusterProfileGVK.GroupVersion().WithKind(v1alpha1.ClusterProfileGVK.Kind + "List"))
	err := o.client.List(ctx, list, client.MatchingLabels{v1alpha1.ClusterManagerLabel: v1alpha1.ClusterManager, v1alpha1.ClusterLabel: ic.Name})
	switch {
	case meta.IsNoMatchError(err):
		return "none: the hub has no ClusterProfile CRD (kubectl import init --install-inventory-crds)"
	case err != nil:
		return fmt.Sprintf("unknown (listing %s: %v)", v1alpha1.ClusterProfileResource, err)
	case len(list.Items) == 0:
		return "none yet"
	}
	p := list.Items[0]
	s := p.GetNamespace() + "/" + p.GetName()
	conds, _, _ := unstructured.NestedSlice(p.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == v1alpha1.ConditionControlPlaneHealthy {
			s += fmt.Sprintf(" (%s=%v)", v1alpha1.ConditionControlPlaneHealthy, m["status"])
		}
	}
	return s
}

// events are the Events the reconciler recorded about this ImportedCluster (this incarnation:
// matched by UID), in any namespace, as kubectl describe finds them.
func (o *Options) events(ctx context.Context, ic *v1alpha1.ImportedCluster) ([]corev1.Event, error) {
	list := &corev1.EventList{}
	if err := o.client.List(ctx, list, client.MatchingFields{
		"involvedObject.kind": "ImportedCluster",
		"involvedObject.name": ic.Name,
		"involvedObject.uid":  string(ic.UID),
	}); err != nil {
		return nil, fmt.Errorf("listing the events of importedcluster %q: %w", ic.Name, err)
	}
	return list.Items, nil
}
