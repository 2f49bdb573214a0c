package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/hubserver"
)

// TestGatewayThroughTheHub: members use an agent-mode cluster (reachable only through its
// agent's tunnel) and a direct-mode cluster with kubectl, through the hub's API server, as
// themselves; the downstreams record the impersonated member and the impersonator; a
// non-member, a member asking for system:masters (through the hub, and past it, directly and
// named in Connection), another cluster's agent and a hub ServiceAccount that is no member
// are refused, each changing nothing downstream.
func TestGatewayThroughTheHub(t *testing.T) {
	e := startEnv(t)
	ctx := context.Background()
	bob, _ := e.hub.AddUser(t, "bob", []string{"sre"})
	_, readerCfg := e.hub.ServiceAccountToken(t, consumers, "reader")
	_, strangerCfg := e.hub.ServiceAccountToken(t, consumers, "stranger")
	downstreams := []*testenv.Cluster{e.edge, e.plain}

	for _, ds := range downstreams {
		t.Run("a token user who is a member uses "+ds.Name+" with kubectl through the hub", func(t *testing.T) {
			alice := e.asToken(t, "alice", ds.Name)
			out, err := e.kubectl(t, alice, "get", "namespaces", "-o", "name")
			if err != nil || !strings.Contains(out, "namespace/only-in-"+ds.Name) {
				t.Fatalf("get namespaces: %v\n%s", err, out)
			}
			e.watchUntil(t, alice, "pod/watched", time.Minute, []string{"get", "pods", "-n", team, "--watch", "-o", "name"}, func() {
				create(t, ds.Client, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "watched", Namespace: team},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}})
			})
			out, err = e.kubectl(t, alice, "create", "configmap", "made-by-alice", "-n", team, "--from-literal", "k=v")
			if err != nil || out != "configmap/made-by-alice created" {
				t.Fatalf("create configmap: %v\n%s", err, out)
			}
			if err := ds.Client.Get(ctx, client.ObjectKey{Namespace: team, Name: "made-by-alice"}, &corev1.ConfigMap{}); err != nil {
				t.Errorf("the configmap is not in %s: %v", ds.Name, err)
			}
		})
	}

	t.Run("each caller runs downstream as the identity the gateway gives it", func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			cfg           *rest.Config
			user, hubUser string
			groups        []string
		}{
			{"alice (token user member)", &rest.Config{BearerToken: e.tokens["alice"]}, "alice", "alice", nil},
			{"bob (certificate, member through group sre)", bob, gatewayapi.GroupMemberUser, "bob", []string{"sre"}},
			{"reader (hub ServiceAccount member)", readerCfg, gatewayapi.HubServiceAccountPrefix + reader, reader, nil},
		} {
			for _, ds := range downstreams {
				got := e.whoAmI(t, e.kubeconfig(t, "who", ds.Name, tc.cfg))
				want := authenticationv1.UserInfo{Username: tc.user, Groups: append(tc.groups, "system:authenticated"),
					Extra: map[string]authenticationv1.ExtraValue{gatewayapi.HubUserExtra: {tc.hubUser}}}
				if got.Username != want.Username || !slices.Equal(got.Groups, want.Groups) || !slices.Equal(got.Extra[gatewayapi.HubUserExtra], want.Extra[gatewayapi.HubUserExtra]) {
					t.Errorf("%s on %s: %+v, want %+v", tc.name, ds.Name, got, want)
				}
			}
		}
	})

	t.Run("refused, changing nothing downstream", func(t *testing.T) {
		before := e.forwarded(t)
		for _, ds := range downstreams {
			for _, tc := range []struct {
				name       string
				kubeconfig string
				args       []string
				want       []string
			}{
				{"a non-member (token user)", e.asToken(t, "carol", ds.Name), nil, []string{
					"User carol is not a member of cluster " + ds.Name, "kubectl import members " + ds.Name + " --add User:carol=cluster-member"}},
				{"a hub ServiceAccount that is no member", e.kubeconfig(t, "stranger", ds.Name, strangerCfg), nil, []string{
					"User " + stranger + " is not a member of cluster " + ds.Name}},
				{"a member asking for system:masters and admin", e.asToken(t, "alice", ds.Name), []string{"--as", "admin", "--as-group", "system:masters"},
					[]string{`User "alice" cannot impersonate`}},
			} {
				args := append(slices.Clone(tc.args), "create", "configmap", "refused", "-n", team)
				out, err := e.kubectl(t, tc.kubeconfig, args...)
				if err == nil {
					t.Errorf("%s on %s: accepted: %s", tc.name, ds.Name, out)
					continue
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s on %s: %v, want %q", tc.name, ds.Name, err, w)
					}
				}
				t.Logf("%s on %s: refused: %v", tc.name, ds.Name, err)
			}
			if err := ds.Client.Get(ctx, client.ObjectKey{Namespace: team, Name: "refused"}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
				t.Errorf("configmap refused in %s: %v", ds.Name, err)
			}
		}
		if after := e.forwarded(t); !slices.Equal(after, before) {
			t.Errorf("refused requests reached a downstream: %v forwarded requests before, %v after", before, after)
		}
	})

	t.Run("impersonation sent past the hub never passes the gateway", func(t *testing.T) {
		// Only the hub's front proxy could send this (the test holds its certificate): member
		// bob (view, through group sre) asking for system:masters and admin, directly and
		// named in Connection, so that a proxy dropping hop-by-hop headers would run it as the
		// impersonator.
		for _, ds := range downstreams {
			for _, h := range []http.Header{
				{"Impersonate-Group": {"system:masters"}, "Impersonate-User": {"admin"}},
				{"Impersonate-Group": {"system:masters"}, "Impersonate-User": {"admin"}, "Connection": {"Impersonate-User, Impersonate-Group"}},
			} {
				cfg := e.asFrontProxy(t, ds.Name, "bob", []string{"sre", "system:authenticated"}, h)
				cs := kubernetes.NewForConfigOrDie(cfg)
				_, err := cs.CoreV1().ConfigMaps(team).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "escalated"}}, metav1.CreateOptions{})
				if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `User "`+gatewayapi.GroupMemberUser+`" cannot create resource "configmaps"`) {
					t.Errorf("on %s with %v: %v, want bob's own refusal", ds.Name, h, err)
				}
				review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
				if err != nil || review.Status.UserInfo.Username != gatewayapi.GroupMemberUser || slices.Contains(review.Status.UserInfo.Groups, "system:masters") {
					t.Errorf("on %s with %v: ran as %+v (%v)", ds.Name, h, review, err)
				}
			}
			if err := ds.Client.Get(ctx, client.ObjectKey{Namespace: team, Name: "escalated"}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
				t.Errorf("configmap escalated in %s: %v", ds.Name, err)
			}
		}
	})

	t.Run("another cluster's agent cannot attach as edge", func(t *testing.T) {
		log := e.agent.Log()
		up, down := strings.Count(log, "gateway tunnel up"), strings.Count(log, "gateway tunnel down")
		// The hub identity an import gives the agent of cluster other.
		for _, obj := range agent.HubIdentity("other") {
			create(t, e.hub.Client, obj)
		}
		_, other := e.hub.ServiceAccountToken(t, v1alpha1.HubNamespace, v1alpha1.AgentName("other"))
		_, err := tunnel.Dial(ctx, other, "edge", tunnel.Config{})
		if err == nil || !strings.Contains(err.Error(), `cannot get resource "clusters/attach" in API group "gateway.kimport.dev"`) {
			t.Errorf("the agent of other attaching edge: %v, want the hub's refusal", err)
		}
		// Hub RBAC wrongly lets it: the gateway still refuses.
		create(t, e.hub.Client, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "wrongly-attach-edge"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{gatewayapi.Group}, Resources: []string{gatewayapi.Resource + "/" + gatewayapi.AttachSubresource}, ResourceNames: []string{"edge"}, Verbs: []string{"get"}}}})
		create(t, e.hub.Client, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wrongly-attach-edge"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "wrongly-attach-edge"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: v1alpha1.AgentName("other"), Namespace: v1alpha1.HubNamespace}}})
		want := "only the agent of cluster edge (" + v1alpha1.AgentUsername("edge") + ") may attach its tunnel"
		err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err = tunnel.Dial(ctx, other, "edge", tunnel.Config{})
			return err != nil && strings.Contains(err.Error(), want), nil
		})
		if err != nil {
			t.Errorf("the agent of other, allowed by hub RBAC, attaching edge: %v, want %q", err, want)
		}
		log = e.agent.Log()
		if strings.Count(log, "gateway tunnel up") != up || strings.Count(log, "gateway tunnel down") != down {
			t.Errorf("edge's own tunnel was disturbed:\n%s", log)
		}
		if got := e.whoAmI(t, e.asToken(t, "alice", "edge")); got.Username != "alice" {
			t.Errorf("edge after the attempts: %+v", got)
		}
	})

	t.Run("the downstreams record the impersonated member and the impersonator, never an admin", func(t *testing.T) {
		for _, ds := range downstreams {
			events, err := ds.ReadAudit()
			if err != nil {
				t.Fatal(err)
			}
			var aliceCreated bool
			for _, ev := range events {
				imp := ev.ImpersonatedUser
				switch {
				case ev.User.Username == v1alpha1.ImpersonatorUser && imp == nil:
					t.Errorf("%s: the impersonator acted as itself: %s %s", ds.Name, ev.Verb, ev.RequestURI)
				case imp == nil:
					continue
				case ev.User.Username != v1alpha1.ImpersonatorUser:
					t.Errorf("%s: %s impersonated %+v", ds.Name, ev.User.Username, imp)
				case imp.Username == "admin" || slices.Contains(imp.Groups, "system:masters") || len(imp.Extra[gatewayapi.HubUserExtra]) != 1:
					t.Errorf("%s: %s %s impersonating %+v", ds.Name, ev.Verb, ev.RequestURI, imp)
				}
				if ev.Verb == "create" && strings.HasPrefix(ev.RequestURI, "/api/v1/namespaces/"+team+"/configmaps") && ev.ResponseStatus.Code == http.StatusCreated &&
					imp.Username == "alice" && slices.Equal(imp.Extra[gatewayapi.HubUserExtra], []string{"alice"}) {
					aliceCreated = true
				}
			}
			if !aliceCreated {
				t.Errorf("%s: no audit event of alice's configmap, created by the impersonator as alice", ds.Name)
			}
		}
	})

	t.Run("the hub holds no credential of the agent-mode cluster", func(t *testing.T) {
		var secrets corev1.SecretList
		if err := e.hub.Client.List(ctx, &secrets, client.InNamespace(v1alpha1.HubNamespace), client.MatchingLabels{v1alpha1.ClusterLabel: "edge"}); err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets.Items {
			if len(s.Data) > 0 {
				t.Errorf("the hub holds secret %s of edge with %d keys", s.Name, len(s.Data))
			}
		}
	})
}

// whoAmI is who kubeconfig is in its downstream (kubectl auth whoami through the gateway).
func (e *env) whoAmI(t *testing.T, kubeconfig string) authenticationv1.UserInfo {
	t.Helper()
	out, err := e.kubectl(t, kubeconfig, "auth", "whoami", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var review authenticationv1.SelfSubjectReview
	if err := json.Unmarshal([]byte(out), &review); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return review.Status.UserInfo
}

// forwarded counts, per downstream, the requests the gateway's impersonator made there.
func (e *env) forwarded(t *testing.T) []int {
	t.Helper()
	var n []int
	for _, ds := range []*testenv.Cluster{e.edge, e.plain} {
		events, err := ds.ReadAudit()
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for _, ev := range events {
			if ev.User.Username == v1alpha1.ImpersonatorUser {
				count++
			}
		}
		n = append(n, count)
	}
	return n
}

// asFrontProxy reaches cluster's proxy on the gateway directly, as the hub's front proxy
// does (its client certificate, the caller in X-Remote-*), with the gateway's CA pinned, over
// HTTP/1.1 (HTTP/2 cannot carry a Connection header), adding headers to every request.
func (e *env) asFrontProxy(t *testing.T, cluster, user string, groups []string, headers http.Header) *rest.Config {
	t.Helper()
	fp := e.hub.FrontProxy
	certPEM, keyPEM, err := fp.CA.Issue(fp.ClientName)
	if err != nil {
		t.Fatal(err)
	}
	var certs corev1.Secret
	if err := e.hub.Client.Get(context.Background(), client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: hubserver.GatewayCertSecretName}, &certs); err != nil {
		t.Fatal(err)
	}
	cfg := &rest.Config{Host: e.server.GatewayURL + gatewayapi.ProxyPath(cluster),
		TLSClientConfig: rest.TLSClientConfig{CAData: certs.Data["ca.crt"], CertData: certPEM, KeyData: keyPEM, NextProtos: []string{"http/1.1"}}}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set(testenv.FrontProxyUserHeader, user)
			for _, g := range groups {
				r.Header.Add(testenv.FrontProxyGroupHeader, g)
			}
			for k, v := range headers {
				r.Header[k] = v
			}
			return rt.RoundTrip(r)
		})
	})
	return cfg
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
