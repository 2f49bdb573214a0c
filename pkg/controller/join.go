package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// The two-step import: `kubectl import create` registers a cluster without clusterID and
// with a join ServiceAccount whose token lets `kubectl import join` complete it. Deleting that
// account revokes the token (bound tokens check its UID); its Role and bindings go with the
// record through owner references and grant nothing without it.

// joinToken is what the JoinExpiresAnnotation says about a registration's join token.
type joinToken struct {
	expiresAt string    // as written, shown to users
	expires   time.Time // zero when not RFC 3339: treated as expired
}

func joinTokenOf(ic *v1alpha1.ImportedCluster) (joinToken, bool) {
	v, ok := ic.Annotations[v1alpha1.JoinExpiresAnnotation]
	if !ok {
		return joinToken{}, false
	}
	t, _ := time.Parse(time.RFC3339, v)
	return joinToken{expiresAt: v, expires: t}, true
}

func (j joinToken) expired() bool { return !time.Now().Before(j.expires) }

// awaitJoin records that the registration waits for `join`, and revokes an expired join
// token. The revocation is recorded in the Connected condition, whose message names the
// expiry: a token rotated later (new expiry) is revoked again when it expires, the same one
// only once.
func (r *Reconciler) awaitJoin(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	tok, ok := joinTokenOf(ic)
	if !ok || !tok.expired() {
		expires := ""
		if ok {
			expires = " (join token expires at " + tok.expiresAt + ")"
		}
		status.NotConnected(ic, v1alpha1.ReasonAwaitingJoin, fmt.Sprintf(
			"waiting for `kubectl import join` on the downstream%s; if it expired: kubectl import create %s --rotate-token", expires, ic.Name))
		return nil
	}
	msg := fmt.Sprintf("the join token expired at %s: print a fresh join command with kubectl import create %s --rotate-token", tok.expiresAt, ic.Name)
	if c := status.FindCondition(&ic.Status, v1alpha1.ConditionConnected); c == nil || c.Reason != v1alpha1.ReasonJoinTokenExpired || c.Message != msg {
		if err := r.revokeJoin(ctx, ic, "the join token expired at "+tok.expiresAt); err != nil {
			return err
		}
		// No join ran, so no agent holds a token legitimately: whatever the expired join
		// token requested for the agent ends with the agent's ServiceAccount (--rotate-token
		// makes a new one).
		if err := r.remove(ctx, agentAccount(ic), "agent ServiceAccount"); err != nil {
			return err
		}
	}
	status.NotConnected(ic, v1alpha1.ReasonJoinTokenExpired, msg)
	return nil
}

// settleJoin revokes the join token of a registration `join` has filled in (clusterID and
// credentials) the moment the credentials are there, whatever the phase: `join` revokes it
// itself then, and this covers a join interrupted in between. A token that expired first is
// revoked too. The annotation goes with it, so that this happens once: past this point the
// token has nothing left to do.
func (r *Reconciler) settleJoin(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	tok, ok := joinTokenOf(ic)
	if !ok || status.AwaitingJoin(&ic.Status) {
		return nil
	}
	if !ic.Spec.AgentMode() {
		if err := r.removeAgentIdentity(ctx, ic); err != nil {
			return err
		}
	}
	why := "the credentials were handed over"
	handedOver := func() bool { _, err := r.credentials(ctx, ic); return err == nil }
	if ic.Spec.AgentMode() {
		why = "the agent attached its tunnel or renewed its heartbeat: it has its own hub identity"
		handedOver = func() bool { return alive(ic) }
	}
	if !handedOver() {
		if !tok.expired() {
			return nil
		}
		why = "the join token expired at " + tok.expiresAt
	}
	if err := r.revokeJoin(ctx, ic, why); err != nil {
		return err
	}
	patch := client.MergeFromWithOptions(ic.DeepCopy(), client.MergeFromWithOptimisticLock{})
	delete(ic.Annotations, v1alpha1.JoinExpiresAnnotation)
	if err := r.Client.Patch(ctx, ic, patch); err != nil {
		return fmt.Errorf("removing annotation %s: %w", v1alpha1.JoinExpiresAnnotation, err)
	}
	return nil
}

// revokeJoin deletes the join ServiceAccount, and with it every token issued for it.
func (r *Reconciler) revokeJoin(ctx context.Context, ic *v1alpha1.ImportedCluster, why string) error {
	sa := joinAccount(ic)
	if err := r.remove(ctx, sa, "join ServiceAccount"); err != nil {
		return err
	}
	r.Recorder.Eventf(ic, corev1.EventTypeNormal, "JoinTokenRevoked", "deleted ServiceAccount %s/%s: %s", sa.Namespace, sa.Name, why)
	return nil
}

// removeAgentIdentity removes the hub identity `kubectl import create` made for an agent from
// a registration that joined in direct mode, which has no agent: its ServiceAccount at once
// (every token of it ends, whatever the join token requested), then its ClusterRole, which
// owns the rest (bindings, Role, heartbeat Lease, bootstrap and session Secrets) and takes it
// along through the garbage collector.
func (r *Reconciler) removeAgentIdentity(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	sa := agentAccount(ic)
	saErr := r.Client.Delete(ctx, sa)
	if saErr != nil && !apierrors.IsNotFound(saErr) {
		return fmt.Errorf("deleting agent ServiceAccount %s/%s: %w", sa.Namespace, sa.Name, saErr)
	}
	if err := r.remove(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentName(ic.Name)}}, "agent ClusterRole"); err != nil {
		return err
	}
	if saErr == nil { // once: later passes find it gone
		r.Recorder.Eventf(ic, corev1.EventTypeNormal, "AgentIdentityRemoved",
			"deleted ServiceAccount %s/%s and ClusterRole %s with what it owns: the cluster joined in %s mode and has no agent", sa.Namespace, sa.Name, sa.Name, v1alpha1.ModeDirect)
	}
	return nil
}

func agentAccount(ic *v1alpha1.ImportedCluster) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.AgentName(ic.Name)}}
}

func joinAccount(ic *v1alpha1.ImportedCluster) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.JoinName(ic.Name)}}
}
