package clustersync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// assignProjects labels each present namespace of each project with its LabelValue;
// namespaces already labelled right (current: namespace → its label's value) are not written.
func assignProjects(ctx context.Context, cs kubernetes.Interface, current map[string]string, projects []v1alpha1.Project) error {
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

// removeProjectLabels removes the project label from every project namespace carrying it
// (only those are ever labelled).
func removeProjectLabels(ctx context.Context, cs kubernetes.Interface) error {
	var labelled []string
	err := eachNamespace(ctx, cs, v1alpha1.ProjectLabel, func(ns *slimNamespace) error {
		if inspect.IsProjectNamespace(ns.Metadata.Name) && !slices.Contains(labelled, ns.Metadata.Name) {
			labelled = append(labelled, ns.Metadata.Name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing labelled namespaces: %w", bodylimit.Cause(err))
	}
	for _, ns := range labelled {
		if err := patchProjectLabel(ctx, cs, ns, nil); err != nil && !apierrors.IsNotFound(err) {
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
