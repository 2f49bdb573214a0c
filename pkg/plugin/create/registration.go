package create

import (
	"context"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
)

// existingRegistration is the registration of that name, refusing what create cannot
// converge: a cluster that has already joined, a rotation of nothing, or a second token
// without --rotate-token.
func (o *Options) existingRegistration(ctx context.Context, hub client.Client) (*v1alpha1.ImportedCluster, error) {
	var ic v1alpha1.ImportedCluster
	err := hub.Get(ctx, client.ObjectKey{Name: o.Name}, &ic)
	switch {
	case apierrors.IsNotFound(err):
		if o.RotateToken {
			return nil, fmt.Errorf("--rotate-token: importedcluster %s does not exist; create it without --rotate-token", o.Name)
		}
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading importedcluster %s: %w", o.Name, err)
	case ic.DeletionTimestamp != nil:
		return nil, fmt.Errorf("importedcluster %s is being deleted: wait until 'kubectl import delete %s' has finished, then create it again", o.Name, o.Name)
	case !joinflow.AwaitingJoin(&ic) && ic.Status.Phase != "" && ic.Status.Phase != v1alpha1.PhasePending:
		return nil, fmt.Errorf("importedcluster %s has already joined (cluster ID %s, phase %s): it needs no join command; to import another cluster, choose another NAME",
			o.Name, ic.Spec.ClusterID, importer.PhaseOf(&ic))
	}
	handedOver, err := joinflow.CredentialsHandedOver(ctx, hub, o.Name)
	if err != nil {
		return nil, err
	}
	if handedOver {
		return nil, fmt.Errorf("importedcluster %s needs no join token: join already handed its credentials over (secret %s/%s holds them), and a join token may never read or change them. "+
			"'kubectl import describe %s' says why it is not Active yet; to import the cluster afresh, 'kubectl import delete %s', then 'kubectl import create %s'",
			o.Name, v1alpha1.HubNamespace, v1alpha1.CredentialsSecretName(o.Name), o.Name, o.Name, o.Name)
	}
	// A join interrupted after it set the cluster's identity still needs a token to finish:
	// the fresh one completes the same cluster (the identity is immutable).
	if o.RotateToken {
		return &ic, nil
	}
	issued, err := joinflow.IdentityExists(ctx, hub, o.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the join identity of %s: %w", o.Name, err)
	}
	if issued {
		return nil, fmt.Errorf("importedcluster %s is waiting for join and its join token is outstanding (expires %s): print a fresh command with 'kubectl import create %s --rotate-token', which revokes the earlier one",
			o.Name, ic.Annotations[v1alpha1.JoinExpiresAnnotation], o.Name)
	}
	return &ic, nil
}

// revoke (--rotate-token) ends the earlier join token and everything it minted: the agent's
// hub identity, whose tokens the old join token could request, is revoked too and made afresh
// (prepareAgent), once the API server has stopped accepting the revoked tokens, so that none
// of them can act as the new identities of the same names.
func (r *run) revoke(ctx context.Context, log io.Writer) error {
	if err := joinflow.RevokeIdentity(ctx, r.hub.Client, r.Name, log); err != nil {
		return err
	}
	if err := joinflow.RevokeAgentIdentity(ctx, r.hub.Client, r.Name, log); err != nil {
		return err
	}
	return joinflow.WaitOutTokenCache(ctx, log)
}

// register applies the ImportedCluster, or for --rotate-token (revoke has run) moves only the
// expiry, and keeps the record's UID.
func (r *run) register(ctx context.Context, log io.Writer) error {
	if r.RotateToken {
		r.uid = r.existing.UID
		return r.setExpiry(ctx, r.hub.Client, r.reg.ExpiresAt)
	}
	applied, err := importer.Apply(ctx, r.hub.Client, r.reg.ImportedCluster(), log)
	if err != nil {
		return err
	}
	r.uid = applied.GetUID()
	return nil
}

// setExpiry moves only the join-expiry annotation (a merge patch, so the members and every
// other field stay as they are).
func (o *Options) setExpiry(ctx context.Context, hub client.Client, at time.Time) error {
	ic := &v1alpha1.ImportedCluster{}
	ic.Name = o.Name
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.JoinExpiresAnnotation, at.UTC().Format(time.RFC3339))
	if err := hub.Patch(ctx, ic, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("recording the join token's expiry on importedcluster %s: %w", o.Name, importer.ExplainAdmission(err))
	}
	return nil
}

// prepareAgent creates the agent's hub identity (for `join --mode agent`, the default) and
// records its bootstrap Secret's UID on the registration, for join to bind the agent's
// bootstrap token to.
func (r *run) prepareAgent(ctx context.Context, log io.Writer) error {
	hub := r.hub.Client
	var ic v1alpha1.ImportedCluster
	if err := hub.Get(ctx, client.ObjectKey{Name: r.Name}, &ic); err != nil {
		return err
	}
	uid, err := importer.ApplyAgentIdentity(ctx, hub, &ic, log)
	if err != nil {
		return err
	}
	if ic.Annotations[v1alpha1.AgentBootstrapAnnotation] == string(uid) {
		return nil
	}
	patch := client.MergeFrom(ic.DeepCopy())
	if ic.Annotations == nil {
		ic.Annotations = map[string]string{}
	}
	ic.Annotations[v1alpha1.AgentBootstrapAnnotation] = string(uid)
	if err := hub.Patch(ctx, &ic, patch, client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("recording the agent's bootstrap Secret on importedcluster %s: %w", r.Name, importer.ExplainAdmission(err))
	}
	return nil
}
