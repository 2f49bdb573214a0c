package twostep

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
)

const tokenPolicy = "kimport-hub-tokens"

// TestJoinTokenCannotOutliveItsRevocation: what a join token may mint in the hub, and that
// revoking it ends what it minted. Before the fix the join token of a registration got a
// token of the registration's agent ServiceAccount for 31536000 s, unbound, and 12 s after
// `create --rotate-token` that token still authenticated (SelfSubjectReview 201). Now it may
// only request the agent's bootstrap token, for at most an hour, bound to the bootstrap
// Secret; --rotate-token revokes the agent's hub identity with the join identity, so the
// bootstrap token, and any token minted with it, stop authenticating; and a registration that
// joins in direct mode keeps no agent identity in the hub.
func TestJoinTokenCannotOutliveItsRevocation(t *testing.T) {
	hub, downstreams := startHub(t, "direct")
	ds := downstreams[0]
	ctx := context.Background()
	ns := v1alpha1.HubNamespace
	out, _, err := runCreate("--hub-kubeconfig", hub.Kubeconfig, "t1")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, _, err := runCreate("--hub-kubeconfig", hub.Kubeconfig, "t2"); err != nil {
		t.Fatalf("create: %v", err)
	}
	join := parseJoin(t, out)
	jc := clientset(t, hub.Config, join.token)
	var ic v1alpha1.ImportedCluster
	if err := hub.Client.Get(ctx, client.ObjectKey{Name: "t1"}, &ic); err != nil {
		t.Fatal(err)
	}
	bootstrapUID := types.UID(ic.Annotations[v1alpha1.AgentBootstrapAnnotation])
	mint := func(spec authenticationv1.TokenRequestSpec) (*authenticationv1.TokenRequest, error) {
		return jc.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("t1"), &authenticationv1.TokenRequest{Spec: spec}, metav1.CreateOptions{})
	}
	secret := func(name string) *authenticationv1.BoundObjectReference {
		return &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: name}
	}
	bootstrap := secret(v1alpha1.AgentBootstrapName("t1"))
	// The policy is loaded by the API server asynchronously after init.
	eventually(t, 30*time.Second, func() (bool, string) {
		_, err := mint(authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](7200), BoundObjectRef: bootstrap})
		return apierrors.IsForbidden(err) && strings.Contains(err.Error(), tokenPolicy), fmt.Sprintf("a 2 h bootstrap token: %v", err)
	})

	t.Run("refused: long, unbound or bound to anything but the bootstrap Secret", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			spec authenticationv1.TokenRequestSpec
		}{
			{"one year, unbound", authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](31536000)}},
			{"one year, bound to the bootstrap Secret", authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](31536000), BoundObjectRef: bootstrap}},
			{"an hour, unbound", authenticationv1.TokenRequestSpec{}},
			{"bound to the agent's session Secret", authenticationv1.TokenRequestSpec{BoundObjectRef: secret(v1alpha1.AgentSessionName("t1"))}},
			{"bound to t2's bootstrap Secret", authenticationv1.TokenRequestSpec{BoundObjectRef: secret(v1alpha1.AgentBootstrapName("t2"))}},
			{"bound to its credentials Secret", authenticationv1.TokenRequestSpec{BoundObjectRef: secret(v1alpha1.CredentialsSecretName("t1"))}},
		} {
			_, err := mint(tc.spec)
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tokenPolicy) {
				t.Errorf("%s: %v, want Forbidden by %s", tc.name, err, tokenPolicy)
			}
		}
		_, existing := mint(authenticationv1.TokenRequestSpec{BoundObjectRef: secret(v1alpha1.AgentBootstrapName("t2"))})
		_, missing := mint(authenticationv1.TokenRequestSpec{BoundObjectRef: secret(v1alpha1.AgentBootstrapName("nobody"))})
		var s1, s2 *apierrors.StatusError
		if !errors.As(existing, &s1) || !errors.As(missing, &s2) || s1.ErrStatus.Message != s2.ErrStatus.Message || s1.ErrStatus.Code != s2.ErrStatus.Code {
			t.Errorf("bound to t2's bootstrap Secret: %v; to a missing one: %v; want the same refusal", existing, missing)
		}
		_, err := jc.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.JoinName("t1"), &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("a token of the join ServiceAccount itself: %v, want Forbidden", err)
		}
	})

	// What the join token may mint, and what that token may mint in turn (the agent's
	// exchange): the two a stolen join token would hold.
	minted, err := mint(agent.BootstrapTokenRequest("t1", agent.BootstrapLifetime, bootstrapUID).Spec)
	if err != nil {
		t.Fatalf("the bootstrap token join requests: %v", err)
	}
	if exp := minted.Status.ExpirationTimestamp.Time; time.Until(exp) > time.Hour+5*time.Second {
		t.Errorf("the bootstrap token expires %s, more than an hour from now", exp)
	}
	exchanged, err := clientset(t, hub.Config, minted.Status.Token).CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("t1"),
		agent.SessionTokenRequest("t1", agent.HubTokenLifetime), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the agent's exchange with the bootstrap token: %v", err)
	}
	tokens := map[string]string{"the join token": join.token, "the bootstrap token it minted": minted.Status.Token,
		"the agent token minted with that": exchanged.Status.Token}
	for what, tok := range tokens {
		if user, err := whoAmI(ctx, hub.Config, tok); err != nil {
			t.Fatalf("%s does not authenticate before the rotation: %v", what, err)
		} else {
			t.Logf("%s authenticates as %s", what, user)
		}
	}

	var rotated joinCommand
	t.Run("create --rotate-token ends every token the old join token minted", func(t *testing.T) {
		began := time.Now()
		out, _, err := runCreate("--hub-kubeconfig", hub.Kubeconfig, "t1", "--rotate-token")
		if err != nil {
			t.Fatalf("create --rotate-token: %v", err)
		}
		t.Logf("create --rotate-token took %s", time.Since(began).Round(100*time.Millisecond))
		mustContain(t, "rotate output", out, "serviceaccount/kimport-join-t1 deleted", "serviceaccount/kimport-agent-t1 deleted",
			"until the hub's API server has forgotten the revoked tokens")
		rotated = parseJoin(t, out)
		done := time.Now()
		for what, tok := range tokens {
			// rotate waited out the API server's authentication cache (10 s) before it made
			// the new identities: each old token is refused from now on.
			eventually(t, joinflow.TokenCacheTTL, func() (bool, string) {
				_, err := whoAmI(ctx, hub.Config, tok)
				return apierrors.IsUnauthorized(err), fmt.Sprintf("%s after --rotate-token: %v", what, err)
			})
			t.Logf("%s refused (SelfSubjectReview 401) %s after --rotate-token returned", what, time.Since(done).Round(100*time.Millisecond))
		}
		if _, err := whoAmI(ctx, hub.Config, rotated.token); err != nil {
			t.Errorf("the rotated join token: %v", err)
		}
	})

	t.Run("a direct-mode join leaves no agent identity in the hub", func(t *testing.T) {
		if out, _, err := runJoin("", rotated.args("--kubeconfig", ds.Kubeconfig, "--wait=false")...); err != nil {
			t.Fatalf("join --mode direct: %v\n%s", err, redact(out))
		}
		name := v1alpha1.AgentName("t1")
		gone := []client.Object{
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
			&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}},
			&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}},
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
			&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
			&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.HeartbeatName("t1")}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.AgentBootstrapName("t1")}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.AgentSessionName("t1")}},
		}
		began := time.Now()
		eventually(t, 60*time.Second, func() (bool, string) {
			var left []string
			for _, obj := range gone {
				if err := hub.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); !apierrors.IsNotFound(err) {
					left = append(left, fmt.Sprintf("%T %s (%v)", obj, obj.GetName(), err))
				}
			}
			return len(left) == 0, fmt.Sprintf("still in the hub: %v", left)
		})
		t.Logf("the agent identity of t1 gone %s after join --mode direct returned", time.Since(began).Round(100*time.Millisecond))
		// The other registration's agent identity is untouched.
		var other corev1.ServiceAccount
		if err := hub.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: v1alpha1.AgentName("t2")}, &other); err != nil {
			t.Errorf("t2's agent ServiceAccount: %v", err)
		}
	})
}

func clientset(t *testing.T, hub *rest.Config, token string) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: hub.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.CAData}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// whoAmI is the user a token authenticates as in the hub (SelfSubjectReview).
func whoAmI(ctx context.Context, hub *rest.Config, token string) (string, error) {
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: hub.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.CAData}})
	if err != nil {
		return "", err
	}
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return review.Status.UserInfo.Username, nil
}
