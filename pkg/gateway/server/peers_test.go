package server

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/gatewaytest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/forward"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
)

// peerServerName is the name in every replica's peer certificate: peers are reached by IP.
const peerServerName = "kimport-gateway-peer"

// replicas is the chain's gateway (A, holding prod's tunnel, with its peer endpoint) and a
// second replica B without the tunnel, which finds A.
type replicas struct {
	*chain
	b      *httptest.Server
	peerA  *httptest.Server
	peerCA *testenv.CA
}

func startReplicas(t *testing.T) *replicas {
	t.Helper()
	c := startChain(t)
	ca, err := testenv.NewCA("peer-ca")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	serving, err := ca.IssueTLS(peerServerName, peerServerName)
	if err != nil {
		t.Fatal(err)
	}
	peerA := httptest.NewUnstartedServer(PeerHandler(c.tunnels, logr.Discard()))
	peerA.TLS = PeerTLS(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &serving, nil }, pool)
	peerA.StartTLS()
	t.Cleanup(peerA.Close)

	rt, err := forward.Transport(peerClient(t, ca))
	if err != nil {
		t.Fatal(err)
	}
	gwB := New(Options{Clusters: c.reader, Authenticator: bearerAuth, Authorizer: hubRBAC, Tunnels: tunnel.NewRegistry(nil),
		Peers: &Peers{Others: func() []string { return []string{peerA.URL} }, Transport: rt}})
	b := httptest.NewUnstartedServer(gwB)
	b.EnableHTTP2 = true
	b.StartTLS()
	t.Cleanup(b.Close)
	return &replicas{chain: c, b: b, peerA: peerA, peerCA: ca}
}

// peerClient is a replica's configuration towards its peers: its client certificate of ca,
// ca pinned.
func peerClient(t *testing.T, ca *testenv.CA) *rest.Config {
	t.Helper()
	certPEM, keyPEM, err := ca.Issue("kimport-gateway")
	if err != nil {
		t.Fatal(err)
	}
	return &rest.Config{TLSClientConfig: rest.TLSClientConfig{CAData: ca.PEM, CertData: certPEM, KeyData: keyPEM, ServerName: peerServerName}}
}

// A request that lands on the replica without the tunnel reaches the cluster through the
// replica that has it, as the member, upgrades included.
func TestReplicaWithoutTheTunnelForwardsToItsPeer(t *testing.T) {
	r := startReplicas(t)
	client := r.b.Client()
	req, _ := http.NewRequest(http.MethodGet, r.b.URL+gatewayapi.ProxyPath("prod")+"/api/v1/namespaces?limit=1", nil)
	req.Header.Set("Authorization", "Bearer alice")
	req.Header.Set("Impersonate-Group", "system:masters")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("through replica B: %s", resp.Status)
	}
	got := r.downstream.requests()
	want := impersonated{auth: "Bearer impersonator-token", user: "alice", groups: []string{"dev"}, hubUser: "alice"}
	if len(got) != 1 || got[0].Path != "/api/v1/namespaces" || got[0].RawQuery != "limit=1" || !impersonationOf(got[0].Header).equal(want) {
		t.Fatalf("downstream saw %+v", got)
	}

	pool := x509.NewCertPool()
	pool.AddCert(r.b.Certificate())
	for _, proto := range []string{"websocket", "SPDY/3.1"} {
		conn, err := tls.Dial("tcp", r.b.Listener.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "example.com", NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := gatewaytest.Upgrade(conn, "example.com", gatewayapi.ProxyPath("prod")+"/exec", proto, "Authorization: Bearer alice"); err != nil {
			t.Error(err)
		}
		conn.Close()
	}

	// The holder's tunnel goes: the replica says so plainly.
	r.tunnels.Close()
	for range 2 {
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("without any tunnel: %s", resp.Status)
		}
	}
}

// The peer endpoint serves only replicas (a client certificate of the peer CA), and checks
// the impersonation it is handed.
func TestPeerEndpointIsForReplicasOnly(t *testing.T) {
	r := startReplicas(t)
	other, err := testenv.NewCA("other-ca")
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*rest.Config{
		"no client certificate":       {TLSClientConfig: rest.TLSClientConfig{CAData: r.peerCA.PEM, ServerName: peerServerName}},
		"a certificate of another CA": peerClient(t, other),
	} {
		cfg.TLSClientConfig.CAData, cfg.TLSClientConfig.ServerName = r.peerCA.PEM, peerServerName
		rt, err := forward.Transport(cfg)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, r.peerA.URL+peerPrefix+"prod/attached", nil)
		if resp, err := rt.RoundTrip(req); err == nil {
			resp.Body.Close()
			t.Errorf("%s: %s, want a TLS refusal", name, resp.Status)
		}
	}

	rt, err := forward.Transport(peerClient(t, r.peerCA))
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]http.Header{
		"no impersonation": {},
		"system:masters":   {"Impersonate-User": {"alice"}, "Impersonate-Group": {"system:masters"}, "Impersonate-Extra-Gateway.kimport.dev%2fhub-User": {"alice"}},
	} {
		req, _ := http.NewRequest(http.MethodGet, r.peerA.URL+peerPrefix+"prod/proxy/api/v1/namespaces", nil)
		req.Header = h
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s, want 403", name, resp.Status)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, r.peerA.URL+peerPrefix+"prod/proxy/api/v1/namespaces", nil)
	access.Apply(req.Header, access.Impersonation{User: "alice", HubUser: "alice"})
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(r.downstream.requests()) != 1 {
		t.Errorf("a valid peer request: %s, downstream saw %d", resp.Status, len(r.downstream.requests()))
	}
}
