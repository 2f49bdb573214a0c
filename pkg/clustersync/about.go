package clustersync

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// aboutAPI reports whether the downstream serves the About API (KEP-2149 ClusterProperty):
// one discovery request, made once per sync or cleanup.
func aboutAPI(cs kubernetes.Interface) bool {
	_, err := cs.Discovery().ServerResourcesForGroupVersion(v1alpha1.ClusterPropertyGVR.GroupVersion().String())
	return err == nil
}

// publishAbout writes the About API's ClusterProperties of the downstream when it serves
// that API: cluster.clusterset.k8s.io is its cluster ID (spec.clusterID) and
// clusterset.k8s.io the hub's ID, the UID of the hub's kube-system namespace recorded in the
// registration marker: every cluster imported into one hub is one cluster set. A property
// someone else wrote (not labelled as the import's) is left alone, as is everything when the
// API is absent. Failures are logged, never fatal to the sync.
func publishAbout(ctx context.Context, ds Downstream, ic *v1alpha1.ImportedCluster) {
	if ds.Dynamic == nil || !aboutAPI(ds.Client) {
		return
	}
	logger := log.FromContext(ctx)
	values := map[string]string{v1alpha1.ClusterIDProperty: ic.Spec.ClusterID}
	if marker, err := ds.Client.CoreV1().ConfigMaps(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.MarkerConfigMap, metav1.GetOptions{}); err == nil && marker.Data[v1alpha1.MarkerHubID] != "" {
		values[v1alpha1.ClusterSetProperty] = marker.Data[v1alpha1.MarkerHubID]
	}
	props := ds.Dynamic.Resource(v1alpha1.ClusterPropertyGVR)
	for _, name := range v1alpha1.ClusterPropertyNames {
		value := values[name]
		if value == "" {
			continue
		}
		if err := writeProperty(ctx, props, ic.Name, name, value); err != nil {
			logger.Info("cannot write the About API ClusterProperty", "clusterproperty", name, "error", err.Error())
		}
	}
}

func writeProperty(ctx context.Context, props dynamic.NamespaceableResourceInterface, cluster, name, value string) error {
	existing, err := props.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": v1alpha1.ClusterPropertyGVR.GroupVersion().String(), "kind": "ClusterProperty",
			"metadata": map[string]any{"name": name}, "spec": map[string]any{"value": value},
		}}
		labels := v1alpha1.ImportLabels(cluster)
		u.SetLabels(labels)
		_, err = props.Create(ctx, u, metav1.CreateOptions{FieldManager: v1alpha1.ReconcilerName})
		return err
	} else if err != nil {
		return err
	}
	if existing.GetLabels()[v1alpha1.ManagedByLabel] != v1alpha1.ManagedByValue {
		return nil // another cluster manager's: not ours to change
	}
	if current, _, _ := unstructured.NestedString(existing.Object, "spec", "value"); current == value {
		return nil
	}
	if err := unstructured.SetNestedField(existing.Object, value, "spec", "value"); err != nil {
		return err
	}
	_, err = props.Update(ctx, existing, metav1.UpdateOptions{FieldManager: v1alpha1.ReconcilerName})
	return err
}

// removeAbout deletes the ClusterProperties the import wrote. Missing rights (an agent of an
// import made before it had them) and a missing API are not errors.
func removeAbout(ctx context.Context, ds Downstream) error {
	if ds.Dynamic == nil || !aboutAPI(ds.Client) {
		return nil
	}
	props := ds.Dynamic.Resource(v1alpha1.ClusterPropertyGVR)
	for _, name := range v1alpha1.ClusterPropertyNames {
		existing, err := props.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
			continue
		} else if err != nil {
			return err
		}
		if existing.GetLabels()[v1alpha1.ManagedByLabel] != v1alpha1.ManagedByValue {
			continue
		}
		if err := props.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err) {
			return err
		}
	}
	return nil
}
