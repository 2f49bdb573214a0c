package controller

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// renewToken replaces the stored agent token by a fresh one (TokenRequest, as the agent
// itself) once less than TokenRenewBefore of its life is left, or when it is a legacy token
// that never expires. The old token keeps working until its own expiry, so a failed renewal
// costs nothing until then; it is reported as an event and retried at the next probe.
func (r *Reconciler) renewToken(ctx context.Context, ic *v1alpha1.ImportedCluster, cs kubernetes.Interface) {
	creds, err := r.credentials(ctx, ic)
	if err != nil || !hubcreds.Renewable(creds.Token, time.Now(), r.Options.TokenRenewBefore) {
		return
	}
	logger := log.FromContext(ctx)
	tr, err := cs.CoreV1().ServiceAccounts(v1alpha1.AgentNamespace).CreateToken(ctx, v1alpha1.AgentServiceAccount,
		agent.TokenRequest(r.Options.TokenLifetime), metav1.CreateOptions{})
	if err != nil {
		r.Recorder.Eventf(ic, corev1.EventTypeWarning, "TokenRenewalFailed",
			"renewing the agent token (TokenRequest for %s/%s in the downstream): %v; the current one works until it expires, re-run 'kubectl import cluster %s' if it did",
			v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount, err, ic.Name)
		return
	}
	patch, _ := json.Marshal(map[string]any{"data": map[string]string{ // strings always marshal
		hubcreds.KeyToken: base64.StdEncoding.EncodeToString([]byte(tr.Status.Token)),
	}})
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}}
	if err := r.Client.Patch(ctx, secret, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		logger.Info("cannot store the renewed agent token; the current one stays in use", "secret", secret.Namespace+"/"+secret.Name, "error", err.Error())
		return
	}
	r.Recorder.Eventf(ic, corev1.EventTypeNormal, "TokenRenewed", "agent token renewed, expires %s",
		tr.Status.ExpirationTimestamp.UTC().Format(time.RFC3339))
}
