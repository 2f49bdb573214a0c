package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/gatewaytest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
)

// identity is who a request ran as in the downstream.
type identity struct {
	user, hubUser string
	groups        []string
}

// whoAmI asks the downstream, through the gateway, who cfg is there (SelfSubjectReview).
func whoAmI(t *testing.T, cfg *rest.Config) (identity, error) {
	t.Helper()
	r, err := kubernetes.NewForConfigOrDie(cfg).AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return identity{}, err
	}
	u := r.Status.UserInfo
	hub := u.Extra[gatewayapi.HubUserExtra]
	id := identity{user: u.Username, groups: u.Groups}
	if len(hub) == 1 {
		id.hubUser = hub[0]
	}
	return id, nil
}

func (i identity) is(user, hubUser string, groups ...string) bool {
	return i.user == user && i.hubUser == hubUser && slices.Equal(i.groups, append(groups, "system:authenticated"))
}

// withHeaders adds raw headers to every request of cfg.
func withHeaders(cfg *rest.Config, h http.Header) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			for k, v := range h {
				r.Header[k] = v
			}
			return rt.RoundTrip(r)
		})
	})
	return cfg
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestGatewayEndToEnd: real hub (aggregation layer) and downstream API servers, the gateway
// behind an APIService, the agent's tunnel through the hub API server; the downstream at the
// newest and the oldest supported Kubernetes.
func TestGatewayEndToEnd(t *testing.T) {
	for _, v := range testenv.DownstreamVersions() {
		t.Run(v, func(t *testing.T) { gatewayEndToEnd(t, v) })
	}
}

func gatewayEndToEnd(t *testing.T, version string) {
	e := startEnv(t, testr.New(t), version)
	attachedAt, _ := e.tunnels.Since("edge")
	ctx := context.Background()
	alice, _ := e.hub.AddUser(t, "alice", []string{"dev", "qa"})
	bob, _ := e.hub.AddUser(t, "bob", []string{"sre"})
	carol, _ := e.hub.AddUser(t, "carol", []string{"qa"})
	_, reader := e.hub.ServiceAccountToken(t, consumerNS, "reader")
	_, stranger := e.hub.ServiceAccountToken(t, consumerNS, "stranger")

	t.Run("a member lists and watches namespaces of an agent-mode cluster only its agent reaches", func(t *testing.T) {
		cs := kubernetes.NewForConfigOrDie(proxyConfig(alice, "edge"))
		list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(list.Items, func(n corev1.Namespace) bool { return n.Name == "edge-only" }) {
			t.Fatalf("namespaces of the downstream not listed: %v", list.Items)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		w, err := cs.CoreV1().Namespaces().Watch(wctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		create(t, e.edge.Client, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "watched"}})
		for ev := range w.ResultChan() {
			if ns, ok := ev.Object.(*corev1.Namespace); ok && ev.Type == watch.Added && ns.Name == "watched" {
				return
			}
		}
		t.Fatal("the watch through the gateway ended without the new namespace")
	})

	t.Run("each caller runs downstream as the identity the rules give it", func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			cfg           *rest.Config
			user, hubUser string
			groups        []string
		}{
			{"user member", alice, "alice", "alice", []string{"dev"}},
			{"member through a group", bob, gatewayapi.GroupMemberUser, "bob", []string{"sre"}},
			{"hub ServiceAccount member (token)", reader, gatewayapi.HubServiceAccountPrefix + "system:serviceaccount:consumers:reader",
				"system:serviceaccount:consumers:reader", nil},
		} {
			for _, cluster := range []string{"edge", "edge-direct"} {
				id, err := whoAmI(t, proxyConfig(tc.cfg, cluster))
				if err != nil || !id.is(tc.user, tc.hubUser, tc.groups...) {
					t.Errorf("%s on %s: %+v, %v; want %s %v (hub user %s)", tc.name, cluster, id, err, tc.user, tc.groups, tc.hubUser)
				}
			}
		}
	})

	t.Run("a member acts with its own rights", func(t *testing.T) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "made-by-bob"}}
		if _, err := kubernetes.NewForConfigOrDie(proxyConfig(bob, "edge")).CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatalf("bob (sre, cluster-owner) creating a namespace: %v", err)
		}
		_, err := kubernetes.NewForConfigOrDie(proxyConfig(alice, "edge")).CoreV1().Namespaces().Create(ctx,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "made-by-alice"}}, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `User "alice" cannot create resource "namespaces"`) {
			t.Fatalf("alice (cluster-member) creating a namespace: %v", err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		before := len(auditOf(t, e))
		for _, tc := range []struct {
			name string
			cfg  *rest.Config
			want string
		}{
			{"a non-member", carol, "User carol is not a member of cluster edge or of one of its projects, nor is any of its groups: the members of a cluster and of its projects are who may reach it through the hub. " +
				"An owner of the cluster can add you: kubectl import members edge --add User:carol=cluster-member (or to a project: kubectl import projects edge members PROJECT --add User:carol=project-member)"},
			{"a hub ServiceAccount that is not a member", stranger, "User system:serviceaccount:consumers:stranger is not a member of cluster edge"},
			{"a member asking for system:masters", withHeaders(alice, http.Header{"Impersonate-Group": {"system:masters"}, "Impersonate-User": {"admin"}}),
				`User "alice" cannot impersonate`},
		} {
			_, err := kubernetes.NewForConfigOrDie(proxyConfig(tc.cfg, "edge")).CoreV1().Namespaces().Create(ctx,
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "refused"}}, metav1.CreateOptions{})
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want Forbidden with %q", tc.name, err, tc.want)
			}
		}
		if got := auditOf(t, e)[before:]; len(got) != 0 {
			t.Errorf("refused requests reached the downstream: %+v", got)
		}
		if err := e.edge.Client.Get(ctx, client.ObjectKey{Name: "refused"}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
			t.Errorf("namespace refused exists: %v", err)
		}
	})

	t.Run("impersonation sent past the hub never passes the gateway", func(t *testing.T) {
		// Only the hub's front proxy can send this (the test holds its certificate): a member
		// asking for system:masters and admin, directly and named in Connection.
		for _, h := range []http.Header{
			{"Impersonate-Group": {"system:masters"}, "Impersonate-User": {"admin"}},
			{"Impersonate-Group": {"system:masters"}, "Impersonate-User": {"admin"}, "Connection": {"Impersonate-User, Impersonate-Group"}},
		} {
			h.Set(testenv.FrontProxyUserHeader, "alice")
			h.Add(testenv.FrontProxyGroupHeader, "dev")
			h.Add(testenv.FrontProxyGroupHeader, "system:authenticated")
			id, err := whoAmI(t, withHeaders(e.asFrontProxy(t, "edge"), h))
			if err != nil || !id.is("alice", "alice", "dev") {
				t.Errorf("with %v: %+v, %v", h, id, err)
			}
		}
	})

	t.Run("a certificate of another CA with the front proxy's name is refused every time", func(t *testing.T) {
		// The gateway remembers a verified front-proxy connection; a forger's own connection,
		// after the real front proxy's was verified, must still be verified (and refused),
		// however often it asks.
		h := http.Header{testenv.FrontProxyUserHeader: {"alice"}, testenv.FrontProxyGroupHeader: {"system:masters"}}
		if id, err := whoAmI(t, withHeaders(e.asFrontProxy(t, "edge"), h)); err != nil || id.user == "" {
			t.Fatalf("the real front proxy: %+v, %v", id, err)
		}
		other, err := testenv.NewCA("forger")
		if err != nil {
			t.Fatal(err)
		}
		certPEM, keyPEM, err := other.Issue(e.hub.FrontProxy.ClientName)
		if err != nil {
			t.Fatal(err)
		}
		forged := e.asFrontProxy(t, "edge")
		forged.CertData, forged.KeyData = certPEM, keyPEM
		before := len(auditOf(t, e))
		for range 3 {
			if id, err := whoAmI(t, withHeaders(forged, h)); !apierrors.IsUnauthorized(err) {
				t.Fatalf("forged front proxy: %+v, %v; want 401", id, err)
			}
		}
		if got := auditOf(t, e)[before:]; len(got) != 0 {
			t.Errorf("forged requests reached the downstream: %+v", got)
		}
	})

	t.Run("another agent's tunnel cannot claim the cluster", func(t *testing.T) {
		// Hub RBAC wrongly lets agent "other" attach to edge: the gateway still refuses it.
		other := e.agentIdentity(t, "kimport-agent-other", "edge")
		_, err := tunnel.Dial(ctx, other, "edge", tunnel.Config{})
		if err == nil || !strings.Contains(err.Error(), "only the agent of cluster edge (system:serviceaccount:kimport-system:kimport-agent-edge) may attach its tunnel") {
			t.Fatalf("another agent attaching edge: %v", err)
		}
		if since, ok := e.tunnels.Since("edge"); !ok || !since.Equal(attachedAt) {
			t.Fatalf("edge's tunnel changed: %v %v", since, ok)
		}
		if _, err := whoAmI(t, proxyConfig(alice, "edge")); err != nil {
			t.Fatalf("edge after the attempt: %v", err)
		}
	})

	t.Run("WebSocket and SPDY upgrades round-trip through the hub API server and the tunnel", func(t *testing.T) {
		e.startEcho(t)
		for _, proto := range []string{"websocket", "SPDY/3.1"} {
			conn := dialTLS(t, alice)
			if err := gatewaytest.Upgrade(conn, "localhost", gatewayapi.ProxyPath("echo")+"/exec", proto); err != nil {
				t.Error(err)
			}
			conn.Close()
		}
	})

	t.Run("the downstream's audit log records the member and the impersonator, never an admin", func(t *testing.T) {
		var byBob bool
		for _, ev := range auditOf(t, e) {
			imp := ev.ImpersonatedUser
			if ev.User.Username != impersonator {
				t.Errorf("%s %s as %s: not the impersonator", ev.Verb, ev.RequestURI, ev.User.Username)
			}
			if imp == nil || slices.Contains(imp.Groups, "system:masters") || imp.Username == "admin" || len(imp.Extra[gatewayapi.HubUserExtra]) != 1 {
				t.Errorf("%s %s impersonating %+v", ev.Verb, ev.RequestURI, imp)
				continue
			}
			if ev.Verb == "create" && strings.HasSuffix(ev.RequestURI, "/api/v1/namespaces") && imp.Username == gatewayapi.GroupMemberUser &&
				imp.Extra[gatewayapi.HubUserExtra][0] == "bob" && slices.Contains(imp.Groups, "sre") {
				byBob = true
			}
		}
		if !byBob {
			t.Error("no audit event of bob's namespace create, as the group member with group sre")
		}
	})

	t.Run("the tunnels hold no seat of the hub's priority and fairness", func(t *testing.T) {
		// An upgrade the hub does not count as long-running (any subresource but attach,
		// exec, log, portforward and proxy) would keep a seat for the tunnel's whole life.
		if n := executingAsServiceAccounts(t, e); n != 0 {
			t.Errorf("%d requests of ServiceAccounts executing in the hub with only the tunnels open", n)
		}
	})

	t.Run("the tunnel outlives the hub API server's request timeout", func(t *testing.T) {
		if wait := time.Until(attachedAt.Add(hubRequestTimeout + 2*time.Second)); wait > 0 {
			time.Sleep(wait)
		}
		if since, ok := e.tunnels.Since("edge"); !ok || !since.Equal(attachedAt) {
			t.Fatalf("the tunnel attached at %s was replaced or lost: %v %v", attachedAt, since, ok)
		}
		if _, err := whoAmI(t, proxyConfig(alice, "edge")); err != nil {
			t.Fatal(err)
		}
	})
}

// executingAsServiceAccounts is how many requests of the flow schema service-accounts (the
// agents') the hub API server is executing, from its metrics.
func executingAsServiceAccounts(t *testing.T, e *env) int {
	t.Helper()
	body, err := kubernetes.NewForConfigOrDie(e.hub.Config).CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "apiserver_flowcontrol_current_executing_requests{") && strings.Contains(line, `flow_schema="service-accounts"`) {
			var v float64
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
				n += int(v)
			}
		}
	}
	return n
}

// auditOf is the downstream's audit log, less what the test itself (admin) did.
func auditOf(t *testing.T, e *env) []testenv.AuditEvent {
	t.Helper()
	all, err := e.edge.ReadAudit()
	if err != nil {
		t.Fatal(err)
	}
	var out []testenv.AuditEvent
	for _, ev := range all {
		if ev.User.Username == impersonator && !strings.HasPrefix(ev.UserAgent, "kube-controller-manager") {
			out = append(out, ev)
		} else if ev.ImpersonatedUser != nil {
			out = append(out, ev)
		}
	}
	return out
}

// asFrontProxy reaches cluster's proxy on the gateway directly, with the hub front proxy's
// client certificate.
func (e *env) asFrontProxy(t *testing.T, cluster string) *rest.Config {
	t.Helper()
	fp := e.hub.FrontProxy
	certPEM, keyPEM, err := fp.CA.Issue(fp.ClientName)
	if err != nil {
		t.Fatal(err)
	}
	return &rest.Config{Host: "https://" + e.gatewayAddr + gatewayapi.ProxyPath(cluster),
		// HTTP/1.1: HTTP/2 cannot carry a Connection header.
		TLSClientConfig: rest.TLSClientConfig{CAData: e.gatewayCA, CertData: certPEM, KeyData: keyPEM, ServerName: "localhost", NextProtos: []string{"http/1.1"}}}
}

// dialTLS opens an HTTP/1.1 connection to the hub API server with cfg's client certificate.
func dialTLS(t *testing.T, cfg *rest.Config) *tls.Conn {
	t.Helper()
	cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cfg.CAData)
	u, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}
