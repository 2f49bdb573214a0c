package k3sops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
)

// ErrNoController says the controller's Deployment is missing.
var ErrNoController = errors.New("the system-upgrade-controller is not installed: deployment " + v1alpha1.AgentNamespace + "/" + v1alpha1.UpgradeController + " not found")

// ControllerDeployment reads the controller's Deployment; ErrNoController when absent.
func ControllerDeployment(ctx context.Context, cs kubernetes.Interface) (*appsv1.Deployment, error) {
	d, err := cs.AppsV1().Deployments(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.UpgradeController, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, ErrNoController
	} else if err != nil {
		return nil, fmt.Errorf("reading deployment %s/%s: %w", v1alpha1.AgentNamespace, v1alpha1.UpgradeController, err)
	}
	return d, nil
}

// ControllerPods are the pods of the controller's Deployment (by its selector), newest first.
func ControllerPods(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) ([]corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s: selector: %w", d.Namespace, d.Name, err)
	}
	pods, err := cs.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the pods of deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	items := pods.Items
	slices.SortFunc(items, func(a, b corev1.Pod) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return items, nil
}

// SetDebug sets v1alpha1.UpgradeControllerDebug in the controller's ConfigMap; changed is false when it already
// had the value. It returns the ConfigMap's name.
func SetDebug(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment, on bool) (name string, changed bool, err error) {
	name = k3s.ConfigMapOf(d)
	cm, err := cs.CoreV1().ConfigMaps(v1alpha1.AgentNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return name, false, fmt.Errorf("reading configmap %s/%s: %w", v1alpha1.AgentNamespace, name, err)
	}
	value := strconv.FormatBool(on)
	if cm.Data[v1alpha1.UpgradeControllerDebug] == value {
		return name, false, nil
	}
	patch := fmt.Sprintf(`{"data":{%q:%q}}`, v1alpha1.UpgradeControllerDebug, value)
	if _, err := cs.CoreV1().ConfigMaps(v1alpha1.AgentNamespace).Patch(ctx, name, types.MergePatchType, []byte(patch),
		metav1.PatchOptions{FieldManager: v1alpha1.FieldManager}); err != nil {
		return name, false, fmt.Errorf("setting %s in configmap %s/%s: %w", v1alpha1.UpgradeControllerDebug, v1alpha1.AgentNamespace, name, err)
	}
	return name, true, nil
}

// RestartController deletes the controller's pods, so that its ReplicaSet starts new ones
// that read the ConfigMap again (the controller reads its environment only at start). It
// returns the deleted pods' names.
func RestartController(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) ([]string, error) {
	pods, err := ControllerPods(ctx, cs, d)
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, p := range pods {
		err := cs.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return deleted, fmt.Errorf("deleting pod %s/%s: %w", p.Namespace, p.Name, err)
		}
		deleted = append(deleted, p.Name)
	}
	return deleted, nil
}
