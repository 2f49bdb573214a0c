package agentrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// hubCredential is the agent's way into the hub: the hub's URL and pinned CA, and a
// short-lived token of the agent's own hub ServiceAccount, renewed before it expires. The
// current token is kept in the downstream Secret kimport-agent-hub, so a restarted agent (or
// the other replica) carries on with it; the bootstrap token the import wrote there is
// exchanged once, and the hub Secret it is bound to is deleted, which ends it.
type hubCredential struct {
	cluster string
	server  string
	ca      []byte
	// ds is the downstream, where the Secret lives; nil when the credential came from a
	// kubeconfig and is kept in memory only.
	ds kubernetes.Interface

	mu      sync.RWMutex
	token   string
	expires time.Time
}

// errNotReady says the downstream Secret is not there (yet) or incomplete.
var errNotReady = errors.New("not ready")

// loadCredential reads the downstream Secret, waiting until the import has written it, and
// checks the hub CA against pin ("" when no pin is given). The Secret is the one channel by
// which the cluster's name reaches the agent.
func loadCredential(ctx context.Context, ds kubernetes.Interface, pin string) (*hubCredential, error) {
	logger := log.FromContext(ctx)
	var cred *hubCredential
	err := wait.PollUntilContextCancel(ctx, 2*time.Second, true, func(ctx context.Context) (bool, error) {
		s, err := ds.CoreV1().Secrets(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.AgentHubSecret, metav1.GetOptions{})
		if err != nil {
			logger.Info("waiting for the hub credential Secret the import writes", "secret", v1alpha1.AgentNamespace+"/"+v1alpha1.AgentHubSecret, "error", err.Error())
			return false, nil
		}
		c, err := credentialFrom(s)
		if errors.Is(err, errNotReady) {
			logger.Info("the hub credential Secret is incomplete, waiting", "reason", err.Error())
			return false, nil
		} else if err != nil {
			return false, err
		}
		c.ds = ds
		cred = c
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkPin(cred.ca, pin); err != nil {
		return nil, err
	}
	return cred, nil
}

func credentialFrom(s *corev1.Secret) (*hubCredential, error) {
	for _, k := range []string{v1alpha1.AgentHubKeyServer, v1alpha1.AgentHubKeyCA, v1alpha1.AgentHubKeyToken, v1alpha1.AgentHubKeyCluster} {
		if len(s.Data[k]) == 0 {
			return nil, fmt.Errorf("%w: key %q is empty", errNotReady, k)
		}
	}
	if err := agent.ValidateHubServer(string(s.Data[v1alpha1.AgentHubKeyServer])); err != nil {
		return nil, fmt.Errorf("secret %s/%s, key %q: %w: re-run the import with the hub's https URL ('kubectl import join --hub https://...', or 'kubectl import cluster' with a hub kubeconfig whose server is https)",
			s.Namespace, s.Name, v1alpha1.AgentHubKeyServer, err)
	}
	return &hubCredential{cluster: string(s.Data[v1alpha1.AgentHubKeyCluster]), server: string(s.Data[v1alpha1.AgentHubKeyServer]), ca: s.Data[v1alpha1.AgentHubKeyCA], token: string(s.Data[v1alpha1.AgentHubKeyToken])}, nil
}

// checkPin refuses a hub CA whose key does not match pin: the agent sends its token only to
// the hub the import named.
func checkPin(caPEM []byte, pin string) error {
	if pin == "" {
		return nil
	}
	want, err := hubca.ParseChecksum(pin)
	if err != nil {
		return err
	}
	certs, err := hubca.ParseCertificates(caPEM)
	if err != nil {
		return fmt.Errorf("the hub CA in %s/%s: %w", v1alpha1.AgentNamespace, v1alpha1.AgentHubSecret, err)
	}
	for _, c := range certs {
		if hubca.Checksum(c) == want {
			return nil
		}
	}
	return fmt.Errorf("the hub CA in %s/%s does not match --ca-checksum %s: refusing to send the agent's token to that server; re-run the import, which writes the right CA", v1alpha1.AgentNamespace, v1alpha1.AgentHubSecret, want)
}

func (h *hubCredential) current() string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.token
}

// config reaches the hub with the CA pinned and the current token, read at each request so
// that a renewal takes effect at once. HTTPS_PROXY and NO_PROXY are honoured (client-go's
// default proxy function).
func (h *hubCredential) config() *rest.Config {
	return &rest.Config{
		Host:            h.server,
		TLSClientConfig: rest.TLSClientConfig{CAData: h.ca},
		UserAgent:       v1alpha1.AgentComponent + "/" + version.Version,
		QPS:             20,
		Burst:           40,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return &bearer{token: h.current, next: rt}
		},
	}
}

// bearer sets the Authorization header from the current token.
type bearer struct {
	token func() string
	next  http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token())
	return b.next.RoundTrip(req)
}

// renew asks the hub for a fresh token of the agent's ServiceAccount (as itself), bound to
// its session Secret in the hub, keeps it in the downstream Secret and uses it from now on.
func (h *hubCredential) renew(ctx context.Context, lifetime time.Duration) error {
	cs, err := kubernetes.NewForConfig(h.config())
	if err != nil {
		return err
	}
	tr, err := cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).CreateToken(ctx, v1alpha1.AgentName(h.cluster),
		agent.SessionTokenRequest(h.cluster, lifetime), metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("requesting a token for serviceaccount %s/%s in the hub: %w", v1alpha1.HubNamespace, v1alpha1.AgentName(h.cluster), err)
	}
	if err := h.persist(ctx, tr.Status.Token); err != nil {
		// The new token still works; the stored one too, until it expires.
		log.FromContext(ctx).Info("cannot keep the renewed hub token in the downstream Secret; using it from memory", "error", err.Error())
	}
	h.mu.Lock()
	h.token, h.expires = tr.Status.Token, tr.Status.ExpirationTimestamp.Time
	h.mu.Unlock()
	return nil
}

func (h *hubCredential) persist(ctx context.Context, token string) error {
	if h.ds == nil {
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"stringData": map[string]string{v1alpha1.AgentHubKeyToken: token}}) // strings always marshal
	_, err := h.ds.CoreV1().Secrets(v1alpha1.AgentNamespace).Patch(ctx, v1alpha1.AgentHubSecret, types.StrategicMergePatchType, patch, metav1.PatchOptions{FieldManager: v1alpha1.AgentComponent})
	return err
}

// reload re-reads the token from the downstream Secret: another replica may have renewed it
// (and the bootstrap token this one started with is gone).
func (h *hubCredential) reload(ctx context.Context) error {
	if h.ds == nil {
		return nil
	}
	s, err := h.ds.CoreV1().Secrets(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.AgentHubSecret, metav1.GetOptions{})
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.token = string(s.Data[v1alpha1.AgentHubKeyToken])
	h.mu.Unlock()
	return nil
}

// exchange trades the token the agent starts with (the bootstrap token, or one a previous
// run renewed) for a fresh one, then deletes the bootstrap Secret in the hub, which ends the
// bootstrap token. A refused token is re-read from the Secret once, for when another replica
// exchanged it first.
func (h *hubCredential) exchange(ctx context.Context, lifetime time.Duration) error {
	err := h.renew(ctx, lifetime)
	if apierrors.IsUnauthorized(err) {
		if rerr := h.reload(ctx); rerr == nil {
			err = h.renew(ctx, lifetime)
		}
	}
	if apierrors.IsUnauthorized(err) {
		return fmt.Errorf("the hub refused the agent's token (expired or revoked, e.g. the agent was stopped longer than its lifetime): re-run 'kubectl import cluster %s' to issue a new bootstrap token: %w", h.cluster, err)
	}
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(h.config())
	if err != nil {
		return err
	}
	err = cs.CoreV1().Secrets(v1alpha1.HubNamespace).Delete(ctx, v1alpha1.AgentBootstrapName(h.cluster), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		log.FromContext(ctx).Info("cannot delete the bootstrap Secret in the hub; the hub deletes it once it sees the first heartbeat", "error", err.Error())
	}
	return nil
}

// renewAt is when to renew: once less than renewBefore (default half the lifetime) of the
// token's life is left.
func (h *hubCredential) renewAt(renewBefore time.Duration) time.Time {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.expires.Add(-renewBefore)
}

// keepRenewed renews the token on schedule until ctx ends; a failure is retried every 10 s
// (the token in use stays valid until it expires).
func (h *hubCredential) keepRenewed(ctx context.Context, lifetime, renewBefore time.Duration) error {
	logger := log.FromContext(ctx).WithName("token")
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(h.renewAt(renewBefore))):
		}
		if err := h.renew(ctx, lifetime); err != nil {
			logger.Error(err, "renewing the hub token failed; retrying in 10s")
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(10 * time.Second):
			}
			continue
		}
		h.mu.RLock()
		expires := h.expires
		h.mu.RUnlock()
		logger.Info("hub token renewed", "expires", expires.UTC().Format(time.RFC3339))
	}
}
