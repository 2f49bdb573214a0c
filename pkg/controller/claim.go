package controller

import (
	"context"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
)

// claimIfJoined claims the identity of a registration made by `kubectl import create` until
// it is Active, and says whether another registration holds it (recorded in Connected).
func (r *Reconciler) claimIfJoined(ctx context.Context, ic *v1alpha1.ImportedCluster) (bool, error) {
	_, created := ic.Annotations[v1alpha1.HubIDAnnotation]
	if phase := ic.Status.Phase; !created || (phase != "" && phase != v1alpha1.PhasePending) {
		return false, nil
	}
	holder, err := r.claimJoined(ctx, ic)
	if err != nil || holder == "" {
		return false, err
	}
	clustersync.NotConnected(ic, v1alpha1.ReasonIdentityClaimed, fmt.Sprintf(
		"cluster ID %s is claimed by importedcluster %s, joined by the same cluster: this registration is a duplicate and never touches the downstream; remove it with `kubectl import delete %s`",
		ic.Spec.ClusterID, holder, ic.Name))
	return true, nil
}

// claimJoined claims the clusterID that `join` set, as `kubectl import cluster` claims it
// before it writes anything: the join token may not create Leases, so the reconciler does,
// before it touches the downstream. The webhook's duplicate check reads a cache, so two
// registrations joined by one cluster at the same moment can both pass it; creating the Lease
// is atomic, so exactly one holds the claim. It returns the other holder when it lost.
func (r *Reconciler) claimJoined(ctx context.Context, ic *v1alpha1.ImportedCluster) (string, error) {
	holder := ic.Name
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(ic.Spec.ClusterID),
			Labels: map[string]string{
				v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue,
				v1alpha1.ClusterLabel:   ic.Name,
				v1alpha1.ClusterIDLabel: ic.Spec.ClusterID,
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ImportedCluster", Name: ic.Name, UID: ic.UID}},
		},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}
	err := r.Client.Create(ctx, lease)
	if err == nil || !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	var existing coordinationv1.Lease
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(lease), &existing); err != nil {
		return "", fmt.Errorf("reading identity claim Lease %s/%s: %w", lease.Namespace, lease.Name, err)
	}
	if h := existing.Spec.HolderIdentity; h != nil && *h != ic.Name {
		return *h, nil
	}
	return "", nil
}
