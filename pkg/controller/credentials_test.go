package controller_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// TestAgentCredentials: the credential the hub holds for a downstream is a short-lived
// bound token that the reconciler renews; stored credentials that would send the token to
// another server are refused; and deleting a cluster deletes only its own credentials.
func TestAgentCredentials(t *testing.T) {
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub", HubCRDs: true}, testenv.Options{Name: "plain"})
	hub, plain := clusters[0], clusters[1]
	ctx := context.Background()
	must(t, testenv.CreateNodes(ctx, plain.Client, "node", 2, plain.Version, nil))
	// Every probe renews: the import's first token (8h) and each 10-minute one are all
	// within TokenRenewBefore of their expiry.
	startReconciler(t, hub, controller.Options{ProbeInterval: probeInterval, ProbeTimeout: 2 * time.Second, CleanupTimeout: cleanupTimeout,
		TokenLifetime: 10 * time.Minute, TokenRenewBefore: 9 * time.Hour})
	req, token := prepareImport(t, hub, plain, "plain", nil)
	_, err := importer.Register(ctx, hub.Client, req, token, io.Discard)
	must(t, err)
	waitPhase(t, hub, "plain", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)

	t.Run("the agent token is short-lived and renewed; the downstream holds no legacy token", func(t *testing.T) {
		first, ok := hubcreds.UnverifiedClaims(token)
		if !ok || first.ExpiresAt.IsZero() || first.ExpiresAt.Sub(first.IssuedAt) > agent.TokenLifetime {
			t.Fatalf("the import's agent token: claims %+v (JWT %v), want a bound token living at most %s", first, ok, agent.TokenLifetime)
		}
		seen := map[string]bool{token: true}
		eventually(t, phaseTimeout, "the reconciler renews the token twice", func(ctx context.Context) error {
			now := storedToken(t, hub, "plain")
			seen[now] = true
			if len(seen) < 3 {
				return fmt.Errorf("%d distinct tokens stored so far", len(seen))
			}
			c, _ := hubcreds.UnverifiedClaims(now)
			if life := c.ExpiresAt.Sub(c.IssuedAt); life != 10*time.Minute || c.Subject != "system:serviceaccount:"+v1alpha1.AgentNamespace+":"+v1alpha1.AgentServiceAccount {
				return fmt.Errorf("renewed token: subject %q, lifetime %s; want the agent's, 10m", c.Subject, life)
			}
			return nil
		})
		ic, err := getCluster(ctx, hub, "plain")
		must(t, err)
		if ic.Status.Phase != v1alpha1.PhaseActive {
			t.Errorf("phase %s while tokens were renewed, want Active", ic.Status.Phase)
		}
		events, err := eventsAbout(ctx, hub, "plain")
		must(t, err)
		for _, e := range events {
			if e.Type == corev1.EventTypeWarning {
				t.Errorf("warning event while renewing: %s %s", e.Reason, e.Message)
			}
		}
		var secrets corev1.SecretList
		must(t, plain.Client.List(ctx, &secrets, client.InNamespace(v1alpha1.AgentNamespace)))
		for _, s := range secrets.Items {
			if s.Type == corev1.SecretTypeServiceAccountToken {
				t.Errorf("legacy token Secret %s in the downstream", s.Name)
			}
		}
	})

	t.Run("credentials that point elsewhere are refused and the token is never sent there", func(t *testing.T) {
		var hits atomic.Int32
		evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		defer evil.Close()
		patchSecret(t, hub, "plain", fmt.Sprintf(`{"stringData":{"server":%q}}`, evil.URL))
		ic := waitPhase(t, hub, "plain", v1alpha1.PhaseUnavailable, v1alpha1.ReasonCredentialsInvalid, phaseTimeout)
		assertConnectedContains(t, ic, "names server "+evil.URL+` but spec.apiServer is "`+req.APIServer+`": refusing to send the token anywhere but spec.apiServer`)
		time.Sleep(3 * probeInterval)
		if n := hits.Load(); n != 0 {
			t.Errorf("the redirected server received %d requests", n)
		}
		patchSecret(t, hub, "plain", fmt.Sprintf(`{"stringData":{"server":%q}}`, req.APIServer))
		waitPhase(t, hub, "plain", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
	})

	t.Run("delete keeps a Secret that was not made for the cluster", func(t *testing.T) {
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "foreign"},
			Spec: v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("foreign")}}}
		must(t, hub.Client.Create(ctx, ic))
		// Labelled for another cluster, so the reconciler's cache sees it (an unlabelled one it
		// never sees at all).
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName("foreign"),
			Labels: map[string]string{v1alpha1.ClusterLabel: "someone-else"}}, StringData: map[string]string{"owner": "someone else"}}
		must(t, hub.Client.Create(ctx, secret))
		eventually(t, phaseTimeout, "the finalizer on foreign", func(ctx context.Context) error {
			got, err := getCluster(ctx, hub, "foreign")
			if err == nil && len(got.Finalizers) == 0 {
				err = fmt.Errorf("no finalizer yet")
			}
			return err
		})
		must(t, hub.Client.Delete(ctx, ic))
		waitGone(t, hub.Client, ic, phaseTimeout)
		if err := hub.Client.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{}); err != nil {
			t.Errorf("the unlabelled Secret %s: %v, want it kept", secret.Name, err)
		}
		waitEvent(t, hub, "foreign", corev1.EventTypeWarning, "CredentialsKept", "not made for this cluster, so it is left alone")
	})
}

func storedToken(t *testing.T, hub *testenv.Cluster, cluster string) string {
	t.Helper()
	var s corev1.Secret
	if err := hub.Client.Get(context.Background(), client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(cluster)}, &s); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return string(s.Data[hubcreds.KeyToken])
}

func patchSecret(t *testing.T, hub *testenv.Cluster, cluster, patch string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(cluster)}}
	must(t, hub.Client.Patch(context.Background(), s, client.RawPatch(types.MergePatchType, []byte(patch))))
}

func assertConnectedContains(t *testing.T, ic *v1alpha1.ImportedCluster, want string) {
	t.Helper()
	for _, c := range ic.Status.Conditions {
		if c.Type == v1alpha1.ConditionConnected && strings.Contains(c.Message, want) {
			return
		}
	}
	t.Errorf("%s: Connected lacks %q: %+v", ic.Name, want, ic.Status.Conditions)
}
