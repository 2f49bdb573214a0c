package importer

import (
	"context"
	"fmt"
	"io"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Register creates or updates the ImportedCluster and then, in direct mode, its credentials
// Secret (owned by the record, so it goes with it), and makes the identity claim owned by the
// record too.
// The token is stored, never printed.
func Register(ctx context.Context, hub client.Client, req Request, token string, out io.Writer) (*v1alpha1.ImportedCluster, error) {
	applied, err := Apply(ctx, hub, req.ImportedCluster(), out)
	if err != nil {
		return nil, err
	}
	owner := OwnedByImportedCluster(applied.GetName(), applied.GetUID())
	if req.Mode != v1alpha1.ModeAgent { // in agent mode the hub holds no downstream credential
		secret := req.CredentialsSecret(token)
		secret.OwnerReferences = owner
		if _, err := Apply(ctx, hub, secret, out); err != nil {
			return nil, err
		}
	}
	if err := ownClaim(ctx, hub, req, owner); err != nil {
		return nil, err
	}
	var ic v1alpha1.ImportedCluster
	if err := hub.Get(ctx, client.ObjectKey{Name: req.Name}, &ic); err != nil {
		return nil, err
	}
	return &ic, nil
}

// OwnedByImportedCluster is the owner reference to the ImportedCluster name (uid): what it
// owns goes with it.
func OwnedByImportedCluster(name string, uid types.UID) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ImportedCluster", Name: name, UID: uid}}
}

// ownClaim makes the ImportedCluster own its identity claim, so that the garbage collector
// removes the claim with the record. A missing claim (Register called alone) is fine.
func ownClaim(ctx context.Context, hub client.Client, req Request, owner []metav1.OwnerReference) error {
	var lease coordinationv1.Lease
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(req.ClusterID)}
	if err := hub.Get(ctx, key, &lease); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading the identity claim %s: %w", key.Name, err)
	}
	if ClaimHolder(&lease) != req.Name || hasOwner(lease.OwnerReferences, owner[0].UID) {
		return nil
	}
	patch := client.MergeFrom(lease.DeepCopy())
	lease.OwnerReferences = owner
	if err := hub.Patch(ctx, &lease, patch, client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("making importedcluster %s own its identity claim %s: %w", req.Name, key.Name, err)
	}
	return nil
}

func hasOwner(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}
