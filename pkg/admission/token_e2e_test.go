package admission_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

const tokenPolicy = "kimport-hub-tokens"

// TestAgentTokenRequests: what an agent's hub token may mint, against the hub's real API
// server with the policies `kubectl import init` installs. Before the fix the agent of a got
// a token of 31536000 s (valid one year), and a token bound to a Secret of any name, which
// told it which Secrets exist (bound to another registration's bootstrap Secret: granted;
// to a missing one: NotFound). Now it may only renew its own token, for at most an hour,
// bound to its session Secret; every other request is refused before the API server looks
// the bound object up, with one answer whether that object exists or not.
func TestAgentTokenRequests(t *testing.T) {
	e := startEnv(t, false, false, nil)
	ctx := context.Background()
	ns := v1alpha1.HubNamespace
	a := startAgentIdentity(t, e, "a", 1)
	startAgentIdentity(t, e, "b", 2)
	registerJoined(t, e, "c", 3) // its bootstrap Secret exists
	waitHubPolicies(t, a, "a")
	request := func(spec authenticationv1.TokenRequestSpec) (*authenticationv1.TokenRequest, error) {
		return a.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("a"), &authenticationv1.TokenRequest{Spec: spec}, metav1.CreateOptions{})
	}
	secret := func(name string) *authenticationv1.BoundObjectReference {
		return &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: name}
	}
	year := ptr.To[int64](31536000)
	session := secret(v1alpha1.AgentSessionName("a"))

	t.Run("the hub's policies type-check against the hub's API without a warning", func(t *testing.T) {
		for _, name := range []string{"kimport-join-credentials", heartbeatPolicy, tokenPolicy, "kimport-hub-clusterroles"} {
			var p admissionregistrationv1.ValidatingAdmissionPolicy
			hubtest.Eventually(t, 30*time.Second, func() (bool, string) {
				err := e.hub.Client.Get(ctx, client.ObjectKey{Name: name}, &p)
				return err == nil && p.Status.ObservedGeneration == p.Generation && p.Status.TypeChecking != nil,
					fmt.Sprintf("policy %s not type-checked yet (%v): %+v", name, err, p.Status)
			})
			for _, w := range p.Status.TypeChecking.ExpressionWarnings {
				t.Errorf("policy %s: %s: %s", name, w.FieldRef, w.Warning)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			spec authenticationv1.TokenRequestSpec
			want string
		}{
			{"one year, unbound", authenticationv1.TokenRequestSpec{ExpirationSeconds: year}, "at most 3600 seconds"},
			{"one year, bound to its session", authenticationv1.TokenRequestSpec{ExpirationSeconds: year, BoundObjectRef: session}, "at most 3600 seconds"},
			{"an hour and a second", authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3601), BoundObjectRef: session}, "at most 3600 seconds"},
			{"an hour, unbound", authenticationv1.TokenRequestSpec{}, "bound (spec.boundObjectRef) to secret kimport-system/kimport-agent-a-session"},
			{"bound to its own bootstrap Secret", authenticationv1.TokenRequestSpec{BoundObjectRef: secret(v1alpha1.AgentBootstrapName("a"))}, "kimport-agent-a-session"},
			{"bound to a Pod of that name", authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{
				Kind: "Pod", APIVersion: "v1", Name: v1alpha1.AgentSessionName("a")}}, "kimport-agent-a-session"},
		} {
			_, err := request(tc.spec)
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tokenPolicy) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want Forbidden by %s naming %q", tc.name, err, tokenPolicy, tc.want)
			}
		}
		_, err := a.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("b"), agent.SessionTokenRequest("b", time.Hour), metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("a token of b's agent: %v, want Forbidden", err)
		}
	})

	t.Run("the refusal does not tell whether another registration's Secret exists", func(t *testing.T) {
		for _, pair := range [][2]string{
			{v1alpha1.AgentBootstrapName("c"), v1alpha1.AgentBootstrapName("nobody")}, // c's exists
			{v1alpha1.AgentSessionName("b"), v1alpha1.AgentSessionName("nobody")},     // b's exists
		} {
			var exists corev1.Secret
			if err := e.hub.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: pair[0]}, &exists); err != nil {
				t.Fatalf("secret %s should exist: %v", pair[0], err)
			}
			_, errExisting := request(authenticationv1.TokenRequestSpec{BoundObjectRef: secret(pair[0])})
			_, errMissing := request(authenticationv1.TokenRequestSpec{BoundObjectRef: secret(pair[1])})
			var se1, se2 *apierrors.StatusError
			if !errors.As(errExisting, &se1) || !errors.As(errMissing, &se2) {
				t.Fatalf("bound to %s: %v; to %s: %v; want two refusals", pair[0], errExisting, pair[1], errMissing)
			}
			s1, s2 := se1.ErrStatus, se2.ErrStatus
			if s1.Code != s2.Code || s1.Reason != s2.Reason || s1.Message != s2.Message || s1.Code != 403 {
				t.Errorf("bound to the existing %s: %d %s %q; to the missing %s: %d %s %q: want the same refusal",
					pair[0], s1.Code, s1.Reason, s1.Message, pair[1], s2.Code, s2.Reason, s2.Message)
			}
		}
	})

	t.Run("the hub component deletes no ClusterRole but an agent's", func(t *testing.T) {
		hubc := e.server.Client // the hub component's own identity and RBAC (it may delete ClusterRoles)
		dryRun := client.DryRunAll
		unlabelled := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentName("unlabelled")}}
		if err := e.hub.Client.Create(ctx, unlabelled); err != nil {
			t.Fatal(err)
		}
		// The policy is loaded asynchronously: a dry run deletes nothing while waiting for it.
		hubtest.Eventually(t, 30*time.Second, func() (bool, string) {
			err := hubc.Delete(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "admin"}}, dryRun)
			return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "kimport-hub-clusterroles"), fmt.Sprintf("deleting ClusterRole admin: %v", err)
		})
		for _, name := range []string{"view", "cluster-admin", "kimport-webhook", unlabelled.Name} {
			if err := hubc.Delete(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}}, dryRun); !apierrors.IsForbidden(err) {
				t.Errorf("the hub component deleting ClusterRole %s: %v, want Forbidden", name, err)
			}
		}
		if err := hubc.Delete(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentName("b")}}, dryRun); err != nil {
			t.Errorf("the hub component deleting b's agent ClusterRole (dry run): %v", err)
		}
	})

	t.Run("allowed: its own token, at most an hour, bound to its session; deleting the session ends it", func(t *testing.T) {
		before := time.Now()
		tr, err := request(agent.SessionTokenRequest("a", time.Hour).Spec)
		if err != nil {
			t.Fatalf("renewal: %v", err)
		}
		if exp := tr.Status.ExpirationTimestamp.Time; exp.After(before.Add(time.Hour + 5*time.Second)) {
			t.Errorf("renewed token expires %s, more than an hour after %s", exp, before)
		}
		short, err := request(agent.SessionTokenRequest("a", 10*time.Minute).Spec)
		if err != nil {
			t.Fatalf("a 10-minute renewal: %v", err)
		}
		for _, tok := range []string{tr.Status.Token, short.Status.Token} {
			review, err := bearer(t, e.hub.Config, tok).cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			if err != nil || review.Status.UserInfo.Username != v1alpha1.AgentUsername("a") {
				t.Fatalf("the renewed token: %v", err)
			}
		}
		if err := e.hub.Client.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.AgentSessionName("a")}}); err != nil {
			t.Fatal(err)
		}
		deleted := time.Now()
		renewed := bearer(t, e.hub.Config, tr.Status.Token)
		var last error
		// The API server caches a token's authentication for 10 s.
		err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 15*time.Second, true, func(ctx context.Context) (bool, error) {
			_, last = renewed.cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			return apierrors.IsUnauthorized(last), nil
		})
		if err != nil {
			t.Errorf("the renewed token still authenticates 15 s after its session Secret was deleted: %v", last)
		}
		t.Logf("the agent's renewed token refused %s after its session Secret was deleted", time.Since(deleted).Round(100*time.Millisecond))
	})
}
