package k3s

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Strategy is spec.k3s.upgradeStrategy with the API defaults applied (1, 1, no drain).
func Strategy(k *v1alpha1.K3sSpec) v1alpha1.UpgradeStrategy {
	s := k.UpgradeStrategy
	if s.ServerConcurrency < 1 {
		s.ServerConcurrency = 1
	}
	if s.WorkerConcurrency < 1 {
		s.WorkerConcurrency = 1
	}
	return s
}

// DesiredPlans are the two Plans that roll spec.k3s.version out, master plan first; nil
// when no version is asked for. Their shape is the one Rancher deploys: cordon, tolerate
// everything, drain with force only for a pool that drains, and a worker prepare step that
// waits for the master plan.
func DesiredPlans(ic *v1alpha1.ImportedCluster) []*unstructured.Unstructured {
	k := ic.Spec.K3s
	if k == nil || k.Version == "" {
		return nil
	}
	s := Strategy(k)
	master := newPlan(ic.Name, v1alpha1.MasterPlan, k.Version, s.ServerConcurrency, s.DrainServerNodes,
		map[string]any{"key": v1alpha1.NodeRoleControlPlane, "operator": "In", "values": []any{"true"}})
	worker := newPlan(ic.Name, v1alpha1.WorkerPlan, k.Version, s.WorkerConcurrency, s.DrainWorkerNodes,
		map[string]any{"key": v1alpha1.NodeRoleControlPlane, "operator": "DoesNotExist"})
	spec := worker.Object["spec"].(map[string]any)
	spec["prepare"] = map[string]any{
		"image": v1alpha1.K3sUpgradeImage + ":" + ImageTag(k.Version),
		"args":  []any{"prepare", v1alpha1.MasterPlan},
	}
	return []*unstructured.Unstructured{master, worker}
}

// ImageTag is version as an image tag: '+' is not allowed in tags, so it becomes '-'.
func ImageTag(version string) string { return strings.ReplaceAll(version, "+", "-") }

func newPlan(cluster, name, version string, concurrency int32, drain bool, selector map[string]any) *unstructured.Unstructured {
	spec := map[string]any{
		"concurrency":        int64(concurrency),
		"nodeSelector":       map[string]any{"matchExpressions": []any{selector}},
		"serviceAccountName": v1alpha1.UpgradeController,
		"cordon":             true,
		"tolerations":        []any{map[string]any{"operator": "Exists"}},
		"upgrade":            map[string]any{"image": v1alpha1.K3sUpgradeImage},
		"version":            version,
	}
	if drain {
		spec["drain"] = map[string]any{"force": true}
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(v1alpha1.PlanGVK)
	u.SetName(name)
	u.SetNamespace(v1alpha1.AgentNamespace)
	u.SetLabels(v1alpha1.ImportLabels(cluster))
	return u
}
