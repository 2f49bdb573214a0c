package importer

import (
	"context"
	"fmt"
	"io"
	"slices"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// RemoveHubRecords deletes what an import keeps in the hub besides the ImportedCluster: its
// credentials Secret and its identity claim (only when the claim is held by that name).
// The garbage collector would remove both once the record is gone; deleting them here makes
// a following import of the same cluster possible at once. Missing objects are fine.
func RemoveHubRecords(ctx context.Context, hub client.Client, name, clusterID string, out io.Writer) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(name)}}
	if err := deleteAndSay(ctx, hub, secret, "secret/"+secret.Name, out); err != nil {
		return err
	}
	if clusterID == "" {
		return nil
	}
	var lease coordinationv1.Lease
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(clusterID)}
	if err := hub.Get(ctx, key, &lease); err != nil {
		return client.IgnoreNotFound(err)
	}
	if ClaimHolder(&lease) != name {
		return nil
	}
	return deleteAndSay(ctx, hub, &lease, "lease.coordination.k8s.io/"+lease.Name, out)
}

func deleteAndSay(ctx context.Context, c client.Client, obj client.Object, ref string, out io.Writer) error {
	err := c.Delete(ctx, obj)
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting %s: %w", ref, err)
	}
	if err == nil {
		fmt.Fprintf(out, "%s deleted\n", ref)
	}
	return nil
}

// RemoveFinalizer lets the record go without the reconciler's cleanup: for a downstream
// that no longer exists or cannot be reached. The hub admits it once it has reported that it
// cannot clean the downstream (rule HubMetadata).
func RemoveFinalizer(ctx context.Context, hub client.Client, name string) error {
	var ic v1alpha1.ImportedCluster
	if err := hub.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !slices.Contains(ic.Finalizers, v1alpha1.Finalizer) {
		return nil
	}
	patch := client.MergeFromWithOptions(ic.DeepCopy(), client.MergeFromWithOptimisticLock{})
	ic.Finalizers = slices.DeleteFunc(ic.Finalizers, func(f string) bool { return f == v1alpha1.Finalizer })
	if err := hub.Patch(ctx, &ic, patch); err != nil {
		return fmt.Errorf("removing finalizer %s from importedcluster %s: %w", v1alpha1.Finalizer, name, ExplainAdmission(err))
	}
	return nil
}
