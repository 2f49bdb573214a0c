package importer

import (
	"context"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ToUnstructured turns a typed object into the exact object the import applies: kind and
// apiVersion set, no status and no server-set metadata.
func ToUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.DeepCopy(), nil
	}
	gvk, err := apiutil.GVKForObject(obj, scheme.Scheme)
	if err != nil {
		return nil, err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvk)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	return u, nil
}

// Ref names an object as kubectl prints it: kind.group/name, e.g.
// clusterrole.rbac.authorization.k8s.io/kimport-agent.
func Ref(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	kind := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		kind += "." + gvk.Group
	}
	return kind + "/" + u.GetName()
}

// Apply server-side applies obj as v1alpha1.FieldManager, so re-runs converge on the same fields, and
// prints one kubectl-style line. It returns the object as stored (with its UID).
func Apply(ctx context.Context, c client.Client, obj runtime.Object, out io.Writer) (*unstructured.Unstructured, error) {
	u, err := ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	if err := ApplyAs(ctx, c, u, v1alpha1.FieldManager); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "%s serverside-applied\n", Ref(u))
	return u, nil
}

// applyAs server-side applies u as manager, explaining a webhook refusal.
func ApplyAs(ctx context.Context, c client.Client, u *unstructured.Unstructured, manager string) error {
	//lint:ignore SA1019 client.Apply patch type: the typed Client.Apply needs apply configurations; the migration is a follow-up of the controller-runtime 0.25 upgrade
	if err := c.Patch(ctx, u, client.Apply, client.FieldOwner(manager), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s: %w", Ref(u), ExplainAdmission(err))
	}
	return nil
}
