package clustersync

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// projectBindingSelector selects the project member RoleBindings of one cluster, in every
// namespace.
func projectBindingSelector(cluster string) string {
	return labels.SelectorFromSet(agent.ProjectBindingLabels(cluster)).String()
}

// applyProjectBindings makes the cluster's project member RoleBindings exactly bindings: it
// creates the missing, repairs the drifted and deletes the others (of members removed, of
// namespaces that left their project). A namespace deleted meanwhile, or being deleted, is
// skipped: its bindings go with it.
func applyProjectBindings(ctx context.Context, cs kubernetes.Interface, cluster string, bindings []inspect.ProjectBinding) error {
	desired := map[string]*rbacv1.RoleBinding{}
	for _, b := range bindings {
		rb := agent.ProjectBinding(cluster, b.Project, b.Namespace, b.Member)
		desired[rb.Namespace+"/"+rb.Name] = rb
	}
	for _, key := range slices.Sorted(maps.Keys(desired)) {
		if err := ensureRoleBinding(ctx, cs, desired[key]); err != nil {
			return err
		}
	}
	existing, err := cs.RbacV1().RoleBindings(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: projectBindingSelector(cluster)})
	if apierrors.IsForbidden(err) && len(desired) == 0 {
		// An agent whose rights predate projects cannot list them, nor can it have made any.
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing project RoleBindings: %w", bodylimit.Cause(err))
	}
	for _, b := range existing.Items {
		if _, keep := desired[b.Namespace+"/"+b.Name]; keep {
			continue
		}
		if err := cs.RbacV1().RoleBindings(b.Namespace).Delete(ctx, b.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting RoleBinding %s/%s: %w", b.Namespace, b.Name, err)
		}
	}
	return nil
}

// ensureRoleBinding creates want, or updates it when its labels, annotations or subjects
// drifted. The role is part of the name, so roleRef (immutable) never needs to change.
func ensureRoleBinding(ctx context.Context, cs kubernetes.Interface, want *rbacv1.RoleBinding) error {
	rbs := cs.RbacV1().RoleBindings(want.Namespace)
	got, err := rbs.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = rbs.Create(ctx, want, metav1.CreateOptions{})
		switch {
		case err == nil, apierrors.IsAlreadyExists(err), gone(err):
			return nil
		}
		return fmt.Errorf("creating RoleBinding %s/%s: %w", want.Namespace, want.Name, err)
	}
	if err != nil {
		return fmt.Errorf("reading RoleBinding %s/%s: %w", want.Namespace, want.Name, err)
	}
	if containsAll(got.Labels, want.Labels) && containsAll(got.Annotations, want.Annotations) && slices.Equal(got.Subjects, want.Subjects) {
		return nil
	}
	got.Labels = mergeInto(got.Labels, want.Labels)
	got.Annotations = mergeInto(got.Annotations, want.Annotations)
	got.Subjects = want.Subjects
	if _, err := rbs.Update(ctx, got, metav1.UpdateOptions{}); err != nil && !gone(err) {
		return fmt.Errorf("updating RoleBinding %s/%s: %w", want.Namespace, want.Name, err)
	}
	return nil
}

// gone says whether err is a write refused because its namespace is gone or going.
func gone(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)
}

// deleteProjectBindings removes every project member RoleBinding of the cluster.
func deleteProjectBindings(ctx context.Context, cs kubernetes.Interface, cluster string) error {
	return applyProjectBindings(ctx, cs, cluster, nil)
}

// withRightsRemedy adds, to a refusal of the downstream, how to give the agent the rights and
// fence projects need: an import made before projects existed lacks them.
func withRightsRemedy(err error, cluster string) error {
	if err == nil || !apierrors.IsForbidden(err) {
		return err
	}
	return fmt.Errorf("%w; if the cluster was imported before projects existed, re-run the import (kubectl import cluster %s, or join) "+
		"to give the agent the rights project members need", err, cluster)
}

// refusedProjectMembers words the project members the rules refused, bounded.
func refusedProjectMembers(refused []string, cluster string) error {
	if len(refused) == 0 {
		return nil
	}
	if n := len(refused); n > maxRefusedShown {
		refused = append(refused[:maxRefusedShown], fmt.Sprintf("%d more", n-maxRefusedShown))
	}
	return fmt.Errorf("%s; remove them with `kubectl import projects %s members PROJECT --remove KIND:NAME`", strings.Join(refused, "; "), cluster)
}
