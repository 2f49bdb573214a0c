package importer

import (
	"context"
	"fmt"
	"io"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ClaimedError says another import holds the clusterID.
type ClaimedError struct {
	ClusterID string
	Holder    string
	Lease     string
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("cluster ID %s is already claimed by importedcluster %s (lease %s): re-run 'kubectl import cluster %s' to repair that import, or delete it first",
		e.ClusterID, e.Holder, e.Lease, e.Holder)
}

// ClaimIdentity creates the Lease named after the clusterID, held by req.Name. Creation is
// atomic, so of two imports of one cluster under two names exactly one wins, even without
// the webhook. A claim already held by req.Name is a re-run and succeeds.
func ClaimIdentity(ctx context.Context, hub client.Client, req Request, out io.Writer) error {
	lease := req.IdentityClaim()
	ref := "lease.coordination.k8s.io/" + lease.Name
	err := hub.Create(ctx, lease, client.FieldOwner(v1alpha1.FieldManager))
	if err == nil {
		fmt.Fprintf(out, "%s created (claims cluster ID %s for %s)\n", ref, req.ClusterID, req.Name)
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("claiming cluster ID %s in the hub: %w", req.ClusterID, err)
	}
	var existing coordinationv1.Lease
	if err := hub.Get(ctx, client.ObjectKeyFromObject(lease), &existing); err != nil {
		return fmt.Errorf("reading the claim on cluster ID %s: %w", req.ClusterID, err)
	}
	if holder := ClaimHolder(&existing); holder != req.Name {
		return &ClaimedError{ClusterID: req.ClusterID, Holder: holder, Lease: lease.Namespace + "/" + lease.Name}
	}
	fmt.Fprintf(out, "%s unchanged (already claimed for %s)\n", ref, req.Name)
	return nil
}
