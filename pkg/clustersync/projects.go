package clustersync

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// assignProjects labels each present namespace of each project with its LabelValue;
// namespaces already labelled right are not written.
func assignProjects(ctx context.Context, cs kubernetes.Interface, namespaces []corev1.Namespace, projects []v1alpha1.Project) error {
	current := map[string]string{}
	for i := range namespaces {
		current[namespaces[i].Name] = namespaces[i].Labels[v1alpha1.ProjectLabel]
	}
	for _, p := range projects {
		for _, ns := range p.Namespaces {
			value := inspect.LabelValue(p.Name)
			if current[ns] == value {
				continue
			}
			if err := patchProjectLabel(ctx, cs, ns, &value); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeProjectLabels removes the project label from every namespace carrying it.
func removeProjectLabels(ctx context.Context, cs kubernetes.Interface) error {
	list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: v1alpha1.ProjectLabel})
	if err != nil {
		return fmt.Errorf("listing labelled namespaces: %w", err)
	}
	for _, ns := range list.Items {
		if err := patchProjectLabel(ctx, cs, ns.Name, nil); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// patchProjectLabel sets the label to *value, or removes it when value is nil (a JSON merge
// patch null), leaving every other label alone.
func patchProjectLabel(ctx context.Context, cs kubernetes.Interface, namespace string, value *string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]*string{v1alpha1.ProjectLabel: value}}})
	if err != nil {
		return err
	}
	if _, err := cs.CoreV1().Namespaces().Patch(ctx, namespace, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("labelling namespace %s: %w", namespace, err) // %w keeps NotFound detectable
	}
	return nil
}
