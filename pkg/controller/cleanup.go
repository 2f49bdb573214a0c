package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// finalize disconnects a deleted cluster: the downstream first (bounded by CleanupTimeout from
// the deletionTimestamp), then the hub records, then the finalizer. In direct mode the
// reconciler cleans the downstream itself; in agent mode the agent does and reports it in
// DownstreamRemoved, and the reconciler waits for that. A registration that never joined (no
// clusterID), or a duplicate that lost the identity claim, has nothing in a downstream: it
// goes at once.
func (r *Reconciler) finalize(ctx context.Context, ic *v1alpha1.ImportedCluster) (ctrl.Result, error) {
	observed := ic.DeepCopy() // the phase follows: Disconnecting (status.PhaseFor)
	reason := status.ConditionReason(&ic.Status, v1alpha1.ConditionDownstreamRemoved)
	// A duplicate that lost the identity claim shares the agent of the registration that won:
	// cleaning "its" downstream would disconnect the winner.
	duplicate := status.ConditionReason(&ic.Status, v1alpha1.ConditionConnected) == v1alpha1.ReasonIdentityClaimed
	if ic.Spec.ClusterID != "" && !duplicate && reason != v1alpha1.ReasonRemoved && reason != v1alpha1.ReasonAbandoned {
		deadline := ic.DeletionTimestamp.Add(r.Options.CleanupTimeout)
		abandoned := ""
		err := r.cleanDownstream(ctx, ic, deadline)
		switch {
		case err == nil:
			status.SetCondition(observed, v1alpha1.ConditionDownstreamRemoved, metav1.ConditionTrue, v1alpha1.ReasonRemoved, clustersync.CleanedMessage)
		case !errors.As(err, new(*clustersync.GiveUp)) && time.Now().Before(deadline):
			status.SetCondition(observed, v1alpha1.ConditionDownstreamRemoved, metav1.ConditionFalse, v1alpha1.ReasonRetrying, err.Error())
			if werr := r.writeStatus(ctx, ic, &observed.Status); werr != nil {
				return ctrl.Result{}, werr
			}
			return ctrl.Result{RequeueAfter: r.until(deadline)}, nil
		default:
			abandoned = fmt.Sprintf("gave up on the downstream (%s); may be left behind there: %s", lastCleanupError(ic, err), clustersync.LeftBehind(ic))
			status.SetCondition(observed, v1alpha1.ConditionDownstreamRemoved, metav1.ConditionFalse, v1alpha1.ReasonAbandoned, abandoned)
		}
		// Recorded before the hub cleanup, so a retry after a hub error leaves the
		// downstream (where the agent may no longer have rights) alone.
		if err := r.writeStatus(ctx, ic, &observed.Status); err != nil {
			return ctrl.Result{}, err
		}
		if abandoned != "" {
			r.Recorder.Event(ic, corev1.EventTypeWarning, "CleanupAbandoned", abandoned)
		}
	}
	if err := r.cleanHub(ctx, ic); err != nil {
		return ctrl.Result{}, err
	}
	patch := client.MergeFromWithOptions(ic.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(ic, v1alpha1.Finalizer)
	if err := r.Client.Patch(ctx, ic, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("removing finalizer: %w", err)
	}
	return ctrl.Result{}, nil
}

// cleanDownstream cleans the downstream (direct mode) or says that the agent has not
// reported its cleanup yet (agent mode).
func (r *Reconciler) cleanDownstream(ctx context.Context, ic *v1alpha1.ImportedCluster, deadline time.Time) error {
	if ic.Spec.AgentMode() {
		return fmt.Errorf("waiting for kimport-agent to clean the downstream and report it (%s)",
			status.ConditionReason(&ic.Status, v1alpha1.ConditionHeartbeat))
	}
	creds, err := r.credentials(ctx, ic)
	var noCreds *errNoCredentials
	if errors.As(err, &noCreds) {
		return &clustersync.GiveUp{Err: err}
	} else if err != nil {
		return err
	}
	ds, err := r.downstream(creds)
	if err != nil {
		return &clustersync.GiveUp{Err: err}
	}
	return clustersync.Clean(ctx, ds, ic, deadline)
}

// lastCleanupError is err, unless err only says the deadline cut the last attempt short:
// then the error of the attempt before (recorded in the Retrying condition) says more.
func lastCleanupError(ic *v1alpha1.ImportedCluster, err error) string {
	c := status.FindCondition(&ic.Status, v1alpha1.ConditionDownstreamRemoved)
	if errors.Is(err, context.DeadlineExceeded) && c != nil && c.Reason == v1alpha1.ReasonRetrying {
		return c.Message
	}
	return err.Error()
}

// cleanHub deletes the credentials Secret, the join ServiceAccount (owned by the record, but
// its token is revoked now rather than whenever the garbage collector gets to it) and the
// identity-claim Lease of the cluster.
func (r *Reconciler) cleanHub(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	if err := r.removeCredentials(ctx, ic); err != nil {
		return err
	}
	// The agent's hub identity goes with the record (its ClusterRole is owned by the record
	// and owns the rest); deleting its ServiceAccount now ends every token of it at once, not
	// whenever the garbage collector gets there.
	if err := r.remove(ctx, agentAccount(ic), "agent ServiceAccount"); err != nil {
		return err
	}
	r.heartbeats.forget(ic.Name)
	if _, joining := joinTokenOf(ic); joining {
		if err := r.remove(ctx, joinAccount(ic), "join ServiceAccount"); err != nil {
			return err
		}
	}
	if ic.Spec.ClusterID == "" {
		return nil // never joined: no identity claimed
	}
	var lease coordinationv1.Lease
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(ic.Spec.ClusterID)}
	if err := r.APIReader.Get(ctx, key, &lease); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading identity claim Lease %s/%s: %w", key.Namespace, key.Name, err)
	}
	// A claim held by another record is that record's: leave it.
	if owner, ok := lease.Labels[v1alpha1.ClusterLabel]; ok && owner != ic.Name {
		return nil
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != ic.Name {
		return nil
	}
	return r.remove(ctx, &lease, "identity claim Lease", client.Preconditions{UID: &lease.UID})
}

// removeCredentials deletes the cluster's credentials Secret, and only a Secret made for it:
// named <name>-credentials and labelled for the cluster by kubectl-import. Whatever
// spec.credentialsSecretRef says, no other Secret in kimport-system (the webhook's serving
// certificate, another cluster's credentials) is ever deleted. The delete is conditional on
// the UID read, so a Secret swapped in meanwhile survives.
func (r *Reconciler) removeCredentials(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}
	if err := r.Client.Get(ctx, key, &s); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading credentials Secret %s/%s: %w", key.Namespace, key.Name, err)
	}
	if s.Labels[v1alpha1.ClusterLabel] != ic.Name || s.Labels[v1alpha1.ManagedByLabel] != v1alpha1.ManagedByValue {
		r.Recorder.Eventf(ic, corev1.EventTypeWarning, "CredentialsKept",
			"secret %s/%s is not labelled %s=%s, %s=%s: not made for this cluster, so it is left alone",
			key.Namespace, key.Name, v1alpha1.ClusterLabel, ic.Name, v1alpha1.ManagedByLabel, v1alpha1.ManagedByValue)
		return nil
	}
	return r.remove(ctx, &s, "credentials Secret", client.Preconditions{UID: &s.UID})
}

// remove deletes obj, described as what in errors; already gone is fine.
func (r *Reconciler) remove(ctx context.Context, obj client.Object, what string, opts ...client.DeleteOption) error {
	if err := r.Client.Delete(ctx, obj, opts...); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting %s %s/%s: %w", what, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}
