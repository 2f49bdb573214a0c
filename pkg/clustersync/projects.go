package clustersync

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// assignProjects writes what the assignment asks of namespace labels: the project label
// (with the mark of the sync, but on the built-in namespaces) on each namespace a project
// holds by name, and neither on one that left its project. Namespaces already labelled right
// are not in the assignment, so nothing is written for them.
func assignProjects(ctx context.Context, cs kubernetes.Interface, a inspect.Assignment) error {
	for _, ns := range slices.Sorted(maps.Keys(a.Label)) {
		value := a.Label[ns]
		labels := map[string]*string{v1alpha1.ProjectLabel: &value}
		if a.Mark[ns] {
			labels[v1alpha1.ProjectAssignedLabel] = ptr.To("true")
		}
		if err := patchNamespaceLabels(ctx, cs, ns, labels); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	for _, ns := range a.Unlabel {
		if err := patchNamespaceLabels(ctx, cs, ns, unlabelled); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// unlabelled removes the project label and the mark.
var unlabelled = map[string]*string{v1alpha1.ProjectLabel: nil, v1alpha1.ProjectAssignedLabel: nil}

// removeProjectLabels removes the project labels the sync wrote: on the built-in namespaces,
// and on every namespace carrying its mark. A namespace labelled by whoever created it keeps
// its label.
func removeProjectLabels(ctx context.Context, cs kubernetes.Interface) error {
	var labelled []string
	err := eachNamespace(ctx, cs, v1alpha1.ProjectLabel, func(ns *slimNamespace) error {
		if inspect.IsProjectNamespace(ns.Metadata.Name) || ns.Metadata.Labels.Assigned {
			labelled = append(labelled, ns.Metadata.Name)
		}
		return nil
	})
	if err == nil {
		// A mark without the label (a label removed by hand) goes too.
		err = eachNamespace(ctx, cs, v1alpha1.ProjectAssignedLabel, func(ns *slimNamespace) error {
			if !slices.Contains(labelled, ns.Metadata.Name) {
				labelled = append(labelled, ns.Metadata.Name)
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("listing labelled namespaces: %w", bodylimit.Cause(err))
	}
	for _, ns := range labelled {
		if err := patchNamespaceLabels(ctx, cs, ns, unlabelled); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// patchNamespaceLabels sets each label to its value, or removes it when the value is nil (a
// JSON merge patch null), leaving every other label alone.
func patchNamespaceLabels(ctx context.Context, cs kubernetes.Interface, namespace string, labels map[string]*string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels}})
	if err != nil {
		return err
	}
	if _, err := cs.CoreV1().Namespaces().Patch(ctx, namespace, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("labelling namespace %s: %w", namespace, err) // %w keeps NotFound detectable
	}
	return nil
}
