package admission

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// clusterIDIndex indexes the webhook's cache by the label kimport.dev/cluster-id, which the
// Identity rule keeps equal to spec.clusterID.
const clusterIDIndex = "metadata.labels." + v1alpha1.ClusterIDLabel

// newIndex is the webhook's own cache: the metadata of the ImportedClusters that carry the
// label kimport.dev/cluster-id (names and that label alone), indexed by it. It never decodes
// a spec or a status: the hub API server sends metadata only (as=PartialObjectMetadata, in
// protobuf), so the status writes of a fleet cost the webhook almost nothing.
func newIndex(ctx context.Context, cfg *rest.Config, mapper meta.RESTMapper) (cache.Cache, error) {
	hasLabel, err := labels.NewRequirement(v1alpha1.ClusterIDLabel, selection.Exists, nil)
	if err != nil {
		return nil, err // a constant selector cannot be invalid
	}
	// The watch runs next to the API server: gzip would cost both ends CPU for nothing.
	cfg = rest.CopyConfig(cfg)
	cfg.DisableCompression = true
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	c, err := cache.New(cfg, cache.Options{HTTPClient: httpClient, Mapper: mapper, Scheme: scheme.Scheme,
		DefaultLabelSelector: labels.NewSelector().Add(*hasLabel), DefaultTransform: slimMetadata})
	if err != nil {
		return nil, fmt.Errorf("creating the webhook's cache: %w", err)
	}
	if err := c.IndexField(ctx, metadataOf(), clusterIDIndex, func(o client.Object) []string {
		if id := o.GetLabels()[v1alpha1.ClusterIDLabel]; id != "" {
			return []string{id}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("indexing ImportedClusters by %s: %w", v1alpha1.ClusterIDLabel, err)
	}
	return c, nil
}

// slimMetadata keeps of each cached object what the index and the lookup need: its name and
// the label (annotations such as kubectl's last-applied-configuration can be large).
func slimMetadata(in any) (any, error) {
	m, ok := in.(*metav1.PartialObjectMetadata)
	if !ok {
		return in, nil
	}
	slim := &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: metav1.ObjectMeta{
		Name: m.Name, UID: m.UID, ResourceVersion: m.ResourceVersion,
		Labels: map[string]string{v1alpha1.ClusterIDLabel: m.Labels[v1alpha1.ClusterIDLabel]},
	}}
	return slim, nil
}

// metadataOf is an ImportedCluster's metadata as the cache holds it.
func metadataOf() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("ImportedCluster"))
	return m
}

// holdersOf are the ImportedClusters other than name whose label names clusterID, read whole
// from the API server: only a request that sets a clusterID someone else holds (a refusal,
// or a lie stored while the webhook was away) costs that read. The rule checks their
// spec.clusterID and names their phase.
func holdersOf(ctx context.Context, index, live client.Reader, clusterID, name string) ([]v1alpha1.ImportedCluster, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("ImportedClusterList"))
	if err := index.List(ctx, list, client.MatchingFields{clusterIDIndex: clusterID}); err != nil {
		return nil, fmt.Errorf("reading ImportedClusters labelled %s=%s from the cache: %w", v1alpha1.ClusterIDLabel, clusterID, err)
	}
	var holders []v1alpha1.ImportedCluster
	for _, m := range list.Items {
		if m.Name == name {
			continue
		}
		var ic v1alpha1.ImportedCluster
		if err := live.Get(ctx, client.ObjectKey{Name: m.Name}, &ic); client.IgnoreNotFound(err) != nil {
			return nil, fmt.Errorf("reading ImportedCluster %s, which holds clusterID %s: %w", m.Name, clusterID, err)
		} else if err == nil {
			holders = append(holders, ic)
		}
	}
	return holders, nil
}
