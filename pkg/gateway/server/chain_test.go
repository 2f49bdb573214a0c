package server

import (
	"bufio"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/internal/testenv/gatewaytest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
)

// impersonated is what the downstream was asked: the credential and the impersonation.
type impersonated struct {
	auth, user, hubUser string
	groups              []string
}

func impersonationOf(h http.Header) impersonated {
	return impersonated{auth: h.Get("Authorization"), user: h.Get("Impersonate-User"), groups: h.Values("Impersonate-Group"),
		hubUser: h.Get("Impersonate-Extra-Gateway.kimport.dev%2fhub-User")}
}

func (i impersonated) equal(o impersonated) bool {
	return i.auth == o.auth && i.user == o.user && i.hubUser == o.hubUser && slices.Equal(i.groups, o.groups)
}

// A member reaches the downstream through the agent's tunnel as itself, with only its
// member groups, under the impersonator's credential; path and query arrive as sent.
func TestMemberThroughTunnel(t *testing.T) {
	c := startChain(t)
	code, body := c.do(t, "alice", http.MethodGet, gatewayapi.ProxyPath("prod")+"/api/v1/namespaces?limit=5&labelSelector=a%3Db", nil)
	if code != http.StatusOK || !strings.Contains(body, `"path":"/api/v1/namespaces"`) {
		t.Fatalf("GET: %d %s", code, body)
	}
	got := c.downstream.requests()
	if len(got) != 1 {
		t.Fatalf("downstream saw %d requests", len(got))
	}
	if got[0].Path != "/api/v1/namespaces" || got[0].RawQuery != "limit=5&labelSelector=a%3Db" {
		t.Errorf("downstream saw %s?%s", got[0].Path, got[0].RawQuery)
	}
	want := impersonated{auth: "Bearer impersonator-token", user: "alice", groups: []string{"dev"}, hubUser: "alice"}
	if imp := impersonationOf(got[0].Header); !imp.equal(want) {
		t.Errorf("downstream was asked %+v, want %+v", imp, want)
	}
}

// The attacks of Rancher's CVEs, and a forged front-proxy identity: none changes who the
// request runs as downstream.
func TestClientImpersonationNeverPasses(t *testing.T) {
	c := startChain(t)
	for name, h := range map[string]http.Header{
		"Impersonate-* directly": {"Impersonate-User": {"admin"}, "Impersonate-Group": {"system:masters"}, "Impersonate-Uid": {"0"}},
		"named in Connection": {"Connection": {"Impersonate-User, Impersonate-Group, Impersonate-Extra-Gateway.kimport.dev%2fhub-User"},
			"Impersonate-Group": {"system:masters"}},
		"front-proxy headers": {"X-Remote-User": {"admin"}, "X-Remote-Group": {"system:masters"}, "X-Remote-Extra-Scopes": {"all"}},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(c.downstream.requests())
			if code, body := c.do(t, "alice", http.MethodGet, gatewayapi.ProxyPath("prod")+"/api/v1/namespaces", h); code != http.StatusOK {
				t.Fatalf("%d %s", code, body)
			}
			got := c.downstream.requests()[before:]
			want := impersonated{auth: "Bearer impersonator-token", user: "alice", groups: []string{"dev"}, hubUser: "alice"}
			if len(got) != 1 || !impersonationOf(got[0].Header).equal(want) {
				t.Fatalf("downstream saw %+v", got)
			}
			for k := range got[0].Header {
				if l := strings.ToLower(k); strings.HasPrefix(l, "x-remote-") || l == "impersonate-uid" || l == "connection" {
					t.Errorf("downstream got header %s", k)
				}
			}
		})
	}
}

func TestGroupMemberAndRefusals(t *testing.T) {
	c := startChain(t)
	if code, body := c.do(t, "bob", http.MethodDelete, gatewayapi.ProxyPath("prod")+"/api/v1/namespaces/x", nil); code != http.StatusOK {
		t.Fatalf("group member: %d %s", code, body)
	}
	got := c.downstream.requests()
	want := impersonated{auth: "Bearer impersonator-token", user: gatewayapi.GroupMemberUser, groups: []string{"sre"}, hubUser: "bob"}
	if len(got) != 1 || got[0].Method != http.MethodDelete || !impersonationOf(got[0].Header).equal(want) {
		t.Fatalf("downstream saw %+v, want %+v", got, want)
	}

	for _, tc := range []struct {
		token, path string
		code        int
		message     string
	}{
		{"carol", gatewayapi.ProxyPath("prod") + "/api/v1/namespaces", http.StatusForbidden,
			"User carol is not a member of cluster prod or of one of its projects, nor is any of its groups: the members of a cluster and of its projects are who may reach it through the hub. " +
				"An owner of the cluster can add you: kubectl import members prod --add User:carol=cluster-member (or to a project: kubectl import projects prod members PROJECT --add User:carol=project-member)"},
		{"carol", gatewayapi.ProxyPath("nowhere") + "/api", http.StatusForbidden, "User carol is not a member of cluster nowhere"},
		{"norbac", gatewayapi.ProxyPath("prod") + "/api", http.StatusForbidden,
			`User "norbac" cannot get resource "clusters/proxy" in API group "gateway.kimport.dev" in the hub: no binding`},
		{"alice", gatewayapi.ProxyPath("offline") + "/api", http.StatusServiceUnavailable, "the agent of cluster offline has no tunnel to the gateway"},
		{"alice", gatewayapi.PathPrefix + "/clusters/prod/tunnel", http.StatusNotFound, `cluster prod has no subresource "tunnel"`},
		{"nobody", gatewayapi.ProxyPath("prod") + "/api", http.StatusUnauthorized, "through the hub API server only"},
	} {
		code, body := c.do(t, tc.token, http.MethodGet, tc.path, nil)
		var s metav1.Status
		if err := json.Unmarshal([]byte(body), &s); err != nil || code != tc.code || int(s.Code) != tc.code || !strings.Contains(s.Message, tc.message) {
			t.Errorf("%s GET %s: %d %s, want %d with %q", tc.token, tc.path, code, body, tc.code, tc.message)
		}
	}
	if n := len(c.downstream.requests()); n != 1 {
		t.Errorf("refused requests reached the downstream: %d requests", n)
	}
}

// Another cluster's agent cannot attach as prod's, nor can prod's agent attach to a cluster
// that is not its own; prod's tunnel stays.
func TestOnlyTheClustersAgentAttaches(t *testing.T) {
	c := startChain(t)
	since, _ := c.tunnels.Since("prod")
	for _, tc := range []struct{ token, cluster, want string }{
		{"intruder", "prod", "only the agent of cluster prod (system:serviceaccount:kimport-system:kimport-agent-prod) may attach its tunnel, not system:serviceaccount:kimport-system:kimport-agent-other"},
		{"agent", "offline", "only the agent of cluster offline"},
		{"alice", "prod", "only the agent of cluster prod"},
	} {
		_, err := tunnel.Dial(t.Context(), c.hubConfig(tc.token), tc.cluster, tunnel.Config{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s attaching %s: %v, want %q", tc.token, tc.cluster, err, tc.want)
		}
	}
	if now, ok := c.tunnels.Since("prod"); !ok || !now.Equal(since) {
		t.Errorf("prod's tunnel changed: %v %v (was %v)", now, ok, since)
	}
	select {
	case e := <-c.events:
		t.Errorf("unexpected tunnel event %+v", e)
	default:
	}
}

// A direct-mode cluster goes through the same path, as the impersonator: the stored
// credential only requests the impersonator's token (once, kept), never carries a request.
func TestDirectMode(t *testing.T) {
	c := startChain(t)
	for range 2 {
		if code, body := c.do(t, "alice", http.MethodGet, gatewayapi.ProxyPath("direct")+"/api/v1/namespaces", nil); code != http.StatusOK {
			t.Fatalf("%d %s", code, body)
		}
	}
	got := c.downstream.requests()
	want := impersonated{auth: "Bearer " + impersonatorToken, user: "alice", groups: []string{"dev"}, hubUser: "alice"}
	if len(got) != 2 || !impersonationOf(got[0].Header).equal(want) || !impersonationOf(got[1].Header).equal(want) {
		t.Fatalf("downstream saw %+v, want %+v", got, want)
	}
	c.downstream.mu.Lock()
	defer c.downstream.mu.Unlock()
	if !slices.Equal(c.downstream.mints, []string{"Bearer stored-direct-token"}) {
		t.Errorf("impersonator tokens requested by %v, want once by the stored credential", c.downstream.mints)
	}
}

// A watch streams: lines arrive while the response is still open.
func TestWatchStreams(t *testing.T) {
	c := startChain(t)
	req, _ := http.NewRequest(http.MethodGet, c.gateway.URL+gatewayapi.ProxyPath("prod")+"/watch", nil)
	req.Header.Set("Authorization", "Bearer alice")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	start := time.Now()
	for i := range 3 {
		line, err := br.ReadString('\n')
		if err != nil || line != "event "+string(rune('0'+i))+"\n" {
			t.Fatalf("line %d: %q, %v", i, line, err)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("three events took %s: buffered, not streamed", took)
	}
}

// WebSocket and SPDY upgrades go through the gateway, the tunnel and the agent to the
// downstream, as the member.
func TestUpgradesThroughTunnel(t *testing.T) {
	c := startChain(t)
	for _, proto := range []string{"websocket", "SPDY/3.1"} {
		conn := c.dialGateway(t)
		err := gatewaytest.Upgrade(conn, "example.com", gatewayapi.ProxyPath("prod")+"/exec", proto,
			"Authorization: Bearer alice", "Impersonate-Group: system:masters")
		if err != nil {
			t.Error(err)
		}
	}
	got := c.downstream.requests()
	want := impersonated{auth: "Bearer impersonator-token", user: "alice", groups: []string{"dev"}, hubUser: "alice"}
	if len(got) != 2 || !impersonationOf(got[0].Header).equal(want) || !impersonationOf(got[1].Header).equal(want) {
		t.Errorf("downstream saw %+v", got)
	}
}

func TestDiscoveryAndHealth(t *testing.T) {
	c := startChain(t)
	code, body := c.do(t, "carol", http.MethodGet, gatewayapi.PathPrefix, nil)
	var list metav1.APIResourceList
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK || list.GroupVersion != "gateway.kimport.dev/v1alpha1" ||
		len(list.APIResources) != 3 || list.APIResources[0].Name != "clusters/proxy" || list.APIResources[1].Name != "clusters/attach" || list.APIResources[2].Name != "clusters/projects" {
		t.Errorf("discovery: %d %s", code, body)
	}
	for _, p := range []string{"/apis", "/apis/gateway.kimport.dev"} {
		if code, body := c.do(t, "carol", http.MethodGet, p, nil); code != http.StatusOK || !strings.Contains(body, `"preferredVersion":{"groupVersion":"gateway.kimport.dev/v1alpha1"`) {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	for _, p := range []string{"/healthz", "/readyz", "/livez"} {
		if code, _ := c.do(t, "nobody", http.MethodGet, p, nil); code != http.StatusOK {
			t.Errorf("%s: %d", p, code)
		}
	}
}

// When the gateway drops a tunnel (a restart, a replaced replica), the agent dials again.
func TestAgentReconnects(t *testing.T) {
	c := startChain(t)
	c.tunnels.Close()
	deadline := time.After(15 * time.Second)
	for _, want := range []bool{false, true} {
		select {
		case e := <-c.events:
			if e.Cluster != "prod" || e.Connected != want {
				t.Fatalf("event %+v, want connected=%v", e, want)
			}
		case <-deadline:
			t.Fatalf("no event connected=%v", want)
		}
	}
	if code, body := c.do(t, "alice", http.MethodGet, gatewayapi.ProxyPath("prod")+"/api", nil); code != http.StatusOK {
		t.Fatalf("after reconnecting: %d %s", code, body)
	}
}
