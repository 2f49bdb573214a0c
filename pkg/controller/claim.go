package controller

import (
	"context"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// claimBeforeActing claims the identity (spec.clusterID) of every record that has one, until
// it is Active, before the reconciler touches the downstream or trusts an agent for it, and
// says whether another record holds it (recorded in Connected). Records made by
// `kubectl import cluster` find the claim the plugin made for them; those made by
// `kubectl import create` + `join`, or written by hand (kubectl apply), are claimed here.
// The webhook's duplicate check reads a cache, so two records with one clusterID written at
// the same moment (two joins, two raw creates reaching two webhook replicas) can both pass it;
// creating the claim is atomic, so exactly one of them acts. Past Pending a record has won
// its claim already, and only the hub writes status: no claim is re-checked then.
func (r *Reconciler) claimBeforeActing(ctx context.Context, ic *v1alpha1.ImportedCluster) (bool, error) {
	if phase := ic.Status.Phase; phase != "" && phase != v1alpha1.PhasePending {
		return false, nil
	}
	holder, err := r.claim(ctx, ic)
	if err != nil || holder == "" {
		return false, err
	}
	missing := ""
	if err := r.Client.Get(ctx, client.ObjectKey{Name: holder}, &v1alpha1.ImportedCluster{}); apierrors.IsNotFound(err) {
		missing = fmt.Sprintf(" (which does not exist: if no import of it is under way, delete lease %s/%s to release the claim)",
			v1alpha1.HubNamespace, v1alpha1.IdentityClaimName(ic.Spec.ClusterID))
	}
	status.NotConnected(ic, v1alpha1.ReasonIdentityClaimed, fmt.Sprintf(
		"cluster ID %s is claimed by importedcluster %s%s: this record of the same cluster is a duplicate and never touches the downstream; remove it with `kubectl import delete %s`",
		ic.Spec.ClusterID, holder, missing, ic.Name))
	return true, nil
}

// claim creates the identity-claim Lease of ic's clusterID, held by ic, as `kubectl import
// cluster` does before it writes anything (a join token may not create Leases, and a raw
// create never does). It returns the other holder when the claim is someone else's.
func (r *Reconciler) claim(ctx context.Context, ic *v1alpha1.ImportedCluster) (string, error) {
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
