package clustersync

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// memberSelector selects the member ClusterRoleBindings of one cluster.
func memberSelector(cluster string) string {
	return labels.SelectorFromSet(labels.Set{v1alpha1.MemberLabel: "true", v1alpha1.ClusterLabel: cluster}).String()
}

// applyMembers makes the downstream member ClusterRoleBindings exactly those of spec.members
// whose subject validate.Subject accepts, and the gateway's impersonator able to impersonate
// exactly them (applyImpersonator). The webhook refuses the others, but one may have been
// stored while it was down: it gets no binding (an existing one is deleted) and, once the
// rest is applied, the error names it.
func applyMembers(ctx context.Context, cs kubernetes.Interface, cluster string, members []v1alpha1.Member) error {
	crbs := cs.RbacV1().ClusterRoleBindings()
	desired := map[string]*rbacv1.ClusterRoleBinding{}
	var refused []string
	for i, m := range members {
		if err := validate.Subject(m); err != nil {
			refused = append(refused, fmt.Sprintf("spec.members[%d] (%s %q) is not bound: %v", i, m.Kind, shortName(m.Name), err))
			continue
		}
		b := agent.MemberBinding(cluster, m)
		desired[b.Name] = b
	}
	for _, name := range slices.Sorted(maps.Keys(desired)) {
		if err := ensureBinding(ctx, cs, desired[name]); err != nil {
			return err
		}
	}
	existing, err := crbs.List(ctx, metav1.ListOptions{LabelSelector: memberSelector(cluster)})
	if err != nil {
		return fmt.Errorf("listing member ClusterRoleBindings: %w", err)
	}
	for _, b := range existing.Items {
		if _, keep := desired[b.Name]; keep {
			continue
		}
		if err := crbs.Delete(ctx, b.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting ClusterRoleBinding %s of a removed member: %w", b.Name, err)
		}
	}
	if err := applyImpersonator(ctx, cs, members); err != nil {
		return err
	}
	if len(refused) > 0 {
		// The condition message must stay short whatever the number of members.
		if n := len(refused); n > maxRefusedShown {
			refused = append(refused[:maxRefusedShown], fmt.Sprintf("%d more", n-maxRefusedShown))
		}
		return fmt.Errorf("%s; remove them with `kubectl import members %s --remove KIND:NAME`", strings.Join(refused, "; "), cluster)
	}
	return nil
}

// maxRefusedShown bounds how many refused members the MembersApplied condition names.
const maxRefusedShown = 3

// shortName is a subject name cut for a message.
func shortName(name string) string {
	if len(name) <= 64 {
		return name
	}
	return name[:64] + "…"
}

// ensureBinding creates want, or updates it when its labels, annotations or subjects drifted.
// The role is part of the name, so roleRef (immutable) never needs to change.
func ensureBinding(ctx context.Context, cs kubernetes.Interface, want *rbacv1.ClusterRoleBinding) error {
	crbs := cs.RbacV1().ClusterRoleBindings()
	got, err := crbs.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err := crbs.Create(ctx, want, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating ClusterRoleBinding %s: %w", want.Name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading ClusterRoleBinding %s: %w", want.Name, err)
	}
	if containsAll(got.Labels, want.Labels) && containsAll(got.Annotations, want.Annotations) &&
		slices.Equal(got.Subjects, want.Subjects) {
		return nil
	}
	got.Labels = mergeInto(got.Labels, want.Labels)
	got.Annotations = mergeInto(got.Annotations, want.Annotations)
	got.Subjects = want.Subjects
	if _, err := crbs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating ClusterRoleBinding %s: %w", want.Name, err)
	}
	return nil
}

// deleteMembers removes every member ClusterRoleBinding of the cluster.
func deleteMembers(ctx context.Context, cs kubernetes.Interface, cluster string) error {
	return applyMembers(ctx, cs, cluster, nil)
}

func containsAll(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func mergeInto(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	maps.Copy(dst, src)
	return dst
}

// applyImpersonator gives the gateway's impersonator the rules of these members
// (agent.ImpersonatorRules), when they changed. An import made before the gateway has no
// impersonator: nothing to keep in step (re-running the import adds it).
func applyImpersonator(ctx context.Context, cs kubernetes.Interface, members []v1alpha1.Member) error {
	roles := cs.RbacV1().ClusterRoles()
	role, err := roles.Get(ctx, v1alpha1.ImpersonatorClusterRole, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading ClusterRole %s (the gateway's impersonator): %w", v1alpha1.ImpersonatorClusterRole, err)
	}
	want := agent.ImpersonatorRules(members)
	if equality.Semantic.DeepEqual(role.Rules, want) {
		return nil
	}
	role.Rules = want
	if _, err := roles.Update(ctx, role, metav1.UpdateOptions{FieldManager: v1alpha1.FieldManager}); err != nil {
		return fmt.Errorf("updating ClusterRole %s (the gateway's impersonator) to the members: %w", v1alpha1.ImpersonatorClusterRole, err)
	}
	return nil
}
