package k3sops

import (
	"context"
	"fmt"
	"maps"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
)

var clusterRoleGVR = rbacv1.SchemeGroupVersion.WithResource("clusterroles")

// ApplyPlans creates the k3s.DesiredPlans of ic in the downstream, or updates existing ones in
// place. An update replaces only spec and adds the import's labels: the object (UID),
// its status and every node's plan label stay, and a strategy change leaves version and
// serviceAccountName (what the controller's latestHash covers) as they are, so nodes that
// finished are not upgraded (cordoned, drained) again. A plan already as desired is not
// written at all. New plans are owned by the agent's ClusterRole, so disconnecting the
// cluster removes them with the rest of the import.
func ApplyPlans(ctx context.Context, dyn dynamic.Interface, ic *v1alpha1.ImportedCluster) error {
	plans := k3s.DesiredPlans(ic)
	if len(plans) == 0 {
		return nil
	}
	owner := agentOwner(ctx, dyn)
	for _, want := range plans {
		if err := applyPlan(ctx, dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace), want, owner); err != nil {
			return err
		}
	}
	return nil
}

func applyPlan(ctx context.Context, plans dynamic.ResourceInterface, want *unstructured.Unstructured, owner []metav1.OwnerReference) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		have, err := plans.Get(ctx, want.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			obj := want.DeepCopy()
			obj.SetOwnerReferences(owner)
			if _, err := plans.Create(ctx, obj, metav1.CreateOptions{FieldManager: v1alpha1.FieldManager}); err != nil {
				return fmt.Errorf("creating plan %s/%s: %w", v1alpha1.AgentNamespace, want.GetName(), err)
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("reading plan %s/%s: %w", v1alpha1.AgentNamespace, want.GetName(), err)
		}
		labels := have.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		merged := maps.Clone(labels)
		maps.Copy(merged, want.GetLabels())
		if equality.Semantic.DeepEqual(have.Object["spec"], want.Object["spec"]) && maps.Equal(labels, merged) {
			return nil
		}
		have.Object["spec"] = want.Object["spec"]
		have.SetLabels(merged)
		if _, err := plans.Update(ctx, have, metav1.UpdateOptions{FieldManager: v1alpha1.FieldManager}); err != nil {
			return fmt.Errorf("updating plan %s/%s: %w", v1alpha1.AgentNamespace, want.GetName(), err)
		}
		return nil
	})
}

// agentOwner points at the agent's ClusterRole when it can be read; without it the plans
// simply have no owner.
func agentOwner(ctx context.Context, dyn dynamic.Interface) []metav1.OwnerReference {
	cr, err := dyn.Resource(clusterRoleGVR).Get(ctx, v1alpha1.AgentClusterRole, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return []metav1.OwnerReference{{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole", Name: cr.GetName(), UID: cr.GetUID()}}
}
