package dsclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Impersonator reaches the downstream of base as the hub gateway's impersonator
// (v1alpha1.ImpersonatorServiceAccount), as r: base is the import agent's own credential
// (in the agent, or the one the hub stores for a direct-mode cluster), used for nothing but
// requesting the impersonator's short-lived tokens (TokenRequest,
// agent.ImpersonatorTokenLifetime), each renewed once two thirds of its life have passed or
// as soon as the downstream refuses it. The agent's own rights never carry a request the
// gateway forwards. The returned configuration must not impersonate by itself: the caller's
// identity comes with each request.
func Impersonator(base *rest.Config, r Reader) (*rest.Config, error) {
	minter := rest.CopyConfig(base)
	minter.Timeout = 10 * time.Second
	cs, err := kubernetes.NewForConfig(Config(minter, Reader{UserAgent: r.UserAgent, Limits: Agent.Limits}))
	if err != nil {
		return nil, err
	}
	cfg := Config(&rest.Config{Host: base.Host, TLSClientConfig: rest.TLSClientConfig{CAData: base.CAData, CAFile: base.CAFile, ServerName: base.ServerName},
		Proxy: base.Proxy, QPS: base.QPS, Burst: base.Burst}, r)
	cfg.Wrap(transport.ResettableTokenSourceWrapTransport(&impersonatorTokens{
		accounts: cs.CoreV1().ServiceAccounts(v1alpha1.AgentNamespace), lifetime: agent.ImpersonatorTokenLifetime, now: time.Now}))
	return cfg, nil
}

// impersonatorTokens mints impersonator tokens and keeps the current one.
type impersonatorTokens struct {
	accounts typedcorev1.ServiceAccountInterface
	lifetime time.Duration
	now      func() time.Time

	mu      sync.Mutex
	token   *oauth2.Token
	issued  time.Time
	renewAt time.Time
}

// Token is the current token, or a fresh one once two thirds of its life have passed; while
// a renewal fails the current one is used until it expires.
func (s *impersonatorTokens) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.token != nil && now.Before(s.renewAt) {
		return s.token, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := s.accounts.CreateToken(ctx, v1alpha1.ImpersonatorServiceAccount, agent.TokenRequest(s.lifetime), metav1.CreateOptions{})
	if err != nil {
		if s.token != nil && now.Before(s.token.Expiry) {
			return s.token, nil
		}
		return nil, fmt.Errorf("requesting a token of the gateway's impersonator %s/%s (an import made before the gateway has none: re-run the import): %w",
			v1alpha1.AgentNamespace, v1alpha1.ImpersonatorServiceAccount, err)
	}
	expiry := tr.Status.ExpirationTimestamp.Time
	s.token = &oauth2.Token{AccessToken: tr.Status.Token, TokenType: "Bearer", Expiry: expiry}
	s.issued = now
	s.renewAt = now.Add(expiry.Sub(now) * 2 / 3)
	return s.token, nil
}

// ResetTokenOlderThan forgets a token issued before t: the downstream refused it.
func (s *impersonatorTokens) ResetTokenOlderThan(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.issued.Before(t) {
		s.token = nil
	}
}
