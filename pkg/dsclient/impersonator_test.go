package dsclient

import (
	"errors"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The impersonator's tokens are requested for its ServiceAccount only, kept for two thirds of
// their life, kept while a renewal fails and they still live, and forgotten when refused.
func TestImpersonatorTokens(t *testing.T) {
	cs := fake.NewClientset()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var issued []string
	var fail error
	cs.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca := a.(k8stesting.CreateAction)
		tr := ca.GetObject().(*authenticationv1.TokenRequest)
		if a.GetSubresource() != "token" || a.GetNamespace() != v1alpha1.AgentNamespace || a.(k8stesting.CreateActionImpl).Name != v1alpha1.ImpersonatorServiceAccount ||
			*tr.Spec.ExpirationSeconds != int64(agent.ImpersonatorTokenLifetime/time.Second) {
			t.Errorf("token request %s %s/%s %+v", a.GetSubresource(), a.GetNamespace(), a.(k8stesting.CreateActionImpl).Name, tr.Spec)
		}
		if fail != nil {
			return true, nil, fail
		}
		tok := "token-" + string(rune('a'+len(issued)))
		issued = append(issued, tok)
		tr.Status = authenticationv1.TokenRequestStatus{Token: tok, ExpirationTimestamp: metav1.NewTime(now.Add(agent.ImpersonatorTokenLifetime))}
		return true, tr, nil
	})
	s := &impersonatorTokens{accounts: cs.CoreV1().ServiceAccounts(v1alpha1.AgentNamespace), lifetime: agent.ImpersonatorTokenLifetime, now: func() time.Time { return now }}
	token := func() string {
		t.Helper()
		tok, err := s.Token()
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	if got := token(); got != "token-a" {
		t.Fatalf("first token %s", got)
	}
	now = now.Add(9 * time.Minute) // before two thirds of 15 minutes
	if got := token(); got != "token-a" {
		t.Errorf("at 9 minutes: %s, want the same token", got)
	}
	now = now.Add(2 * time.Minute)
	if got := token(); got != "token-b" {
		t.Errorf("at 11 minutes: %s, want a fresh token", got)
	}
	fail = errors.New("downstream unreachable")
	now = now.Add(11 * time.Minute)
	if got := token(); got != "token-b" {
		t.Errorf("renewal failing, token alive: %s, want the current one", got)
	}
	now = now.Add(5 * time.Minute) // token-b expired
	if _, err := s.Token(); err == nil {
		t.Error("an expired token was used after a failed renewal")
	}
	fail = nil
	if got := token(); got != "token-c" {
		t.Errorf("after recovery: %s", got)
	}
	s.ResetTokenOlderThan(now.Add(time.Second))
	if got := token(); got != "token-d" {
		t.Errorf("after the downstream refused the token: %s, want a fresh one", got)
	}
}
