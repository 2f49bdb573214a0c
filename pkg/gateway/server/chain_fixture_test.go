package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kubectl-import/kubectl-import/internal/testenv/gatewaytest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/agentlink"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// In these in-process tests the hub API server is stood for by bearer tokens the gateway's
// authenticator maps to users (the real front proxy is in the end-to-end test), and the
// downstream by an HTTPS server that records what reaches it.

// tokens are the callers: token → user.
var tokens = map[string]*user.DefaultInfo{
	"alice":     {Name: "alice", Groups: []string{"system:authenticated", "dev"}},
	"bob":       {Name: "bob", Groups: []string{"system:authenticated", "sre"}},
	"carol":     {Name: "carol", Groups: []string{"system:authenticated", "qa"}},
	"norbac":    {Name: "norbac", Groups: []string{"system:authenticated", "sre"}},
	"agent":     {Name: v1alpha1.AgentUsername("prod")},
	"agent-off": {Name: v1alpha1.AgentUsername("offline")},
	"intruder":  {Name: v1alpha1.AgentUsername("other")},
}

var bearerAuth = authenticator.RequestFunc(func(r *http.Request) (*authenticator.Response, bool, error) {
	u, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		return nil, false, nil
	}
	return &authenticator.Response{User: u}, true, nil
})

// hubRBAC lets everyone use the proxy (what init ships) but norbac, and agents attach.
var hubRBAC = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetUser().GetName() == "norbac" {
		return authorizer.DecisionDeny, "no binding", nil
	}
	return authorizer.DecisionAllow, "", nil
})

// seen is one request that reached the downstream.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
}

// downstream records requests; /watch streams a line every 20 ms, /exec upgrades. It issues
// the impersonator's token (impersonatorToken) to the stored direct-mode credential alone,
// recording who asked in mints.
type downstream struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []seen
	mints []string
}

// impersonatorToken is what the stub downstream issues as the impersonator's token.
const impersonatorToken = "impersonator-token"

// impersonatorTokenPath is where the impersonator's tokens are requested.
const impersonatorTokenPath = "/api/v1/namespaces/cattle-system/serviceaccounts/kimport-impersonator/token"

func startDownstream(t *testing.T) *downstream {
	d := &downstream{}
	echo := gatewaytest.UpgradeEcho()
	d.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == impersonatorTokenPath && r.Method == http.MethodPost {
			d.mu.Lock()
			d.mints = append(d.mints, r.Header.Get("Authorization"))
			d.mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer stored-direct-token" {
				http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`, http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","status":{"token":%q,"expirationTimestamp":%q}}`,
				impersonatorToken, time.Now().Add(15*time.Minute).UTC().Format(time.RFC3339))
			return
		}
		d.mu.Lock()
		d.seen = append(d.seen, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone()})
		d.mu.Unlock()
		switch r.URL.Path {
		case "/exec":
			echo.ServeHTTP(w, r)
		case "/watch":
			for i := 0; r.Context().Err() == nil; i++ {
				fmt.Fprintf(w, "event %d\n", i)
				_ = http.NewResponseController(w).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		default:
			fmt.Fprintf(w, `{"kind":"NamespaceList","path":%q}`, r.URL.Path)
		}
	}))
	d.EnableHTTP2 = true
	d.StartTLS()
	t.Cleanup(d.Close)
	return d
}

func (d *downstream) requests() []seen {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]seen(nil), d.seen...)
}

func (d *downstream) config(token string) *rest.Config {
	return &rest.Config{Host: d.URL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM(d.Certificate())}}
}

func caPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// chain is a gateway with an agent-mode cluster prod (its agent connected), an agent-mode
// cluster offline (no agent) and a direct-mode cluster direct, all reaching one downstream.
type chain struct {
	gateway    *httptest.Server
	downstream *downstream
	tunnels    *tunnel.Registry
	events     chan tunnel.Event
	reader     client.Reader
	client     *http.Client
	// h1 speaks HTTP/1.1, which (unlike HTTP/2) can carry a Connection header.
	h1 *http.Client
}

func members() []v1alpha1.Member {
	return []v1alpha1.Member{
		{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleMember},
		{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleOwner},
		{Kind: v1alpha1.MemberGroup, Name: "dev", Role: v1alpha1.RoleMember},
	}
}

func startChain(t *testing.T) *chain {
	t.Helper()
	ds := startDownstream(t)
	ic := func(name string, mode v1alpha1.Mode) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.ImportedClusterSpec{Mode: mode, Members: members(), APIServer: ds.URL}}
	}
	secret := hubcreds.Secret("direct", hubcreds.Credentials{Server: ds.URL, CAData: caPEM(ds.Certificate()), Token: "stored-direct-token"})
	objs := []client.Object{ic("prod", v1alpha1.ModeAgent), ic("offline", v1alpha1.ModeAgent), ic("direct", v1alpha1.ModeDirect), secret}
	reader := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(objs...).Build()
	c := &chain{downstream: ds, events: make(chan tunnel.Event, 16), reader: reader}
	c.tunnels = tunnel.NewRegistry(func(e tunnel.Event) { c.events <- e })
	gw := New(Options{
		Clusters: reader, Authenticator: bearerAuth, Authorizer: hubRBAC, Tunnels: c.tunnels,
		Direct: &Direct{Secrets: reader, UserAgent: "test"},
	})
	c.gateway = httptest.NewUnstartedServer(gw)
	c.gateway.EnableHTTP2 = true
	c.gateway.StartTLS()
	t.Cleanup(c.gateway.Close)
	t.Cleanup(c.tunnels.Close)
	c.client = c.gateway.Client()
	h1 := c.client.Transport.(*http.Transport).Clone()
	h1.ForceAttemptHTTP2, h1.TLSClientConfig.NextProtos, h1.TLSNextProto = false, []string{"http/1.1"}, map[string]func(string, *tls.Conn) http.RoundTripper{}
	c.h1 = &http.Client{Transport: h1}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := agentlink.Run(ctx, agentlink.Options{Cluster: "prod", Hub: c.hubConfig("agent"), Downstream: ds.config("impersonator-token")})
		if err != nil {
			t.Errorf("agentlink.Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case e := <-c.events:
		if e.Cluster != "prod" || !e.Connected {
			t.Fatalf("first event %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not attach its tunnel")
	}
	return c
}

// hubConfig reaches the gateway with token, its CA pinned.
func (c *chain) hubConfig(token string) *rest.Config {
	return &rest.Config{Host: c.gateway.URL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM(c.gateway.Certificate())}}
}

// do sends a request as token with the extra headers; it returns the status and body.
func (c *chain) do(t *testing.T, token, method, path string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.gateway.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	cl := c.client
	if req.Header.Get("Connection") != "" {
		cl = c.h1
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// dialGateway opens a TLS connection to the gateway over HTTP/1.1 (for upgrades).
func (c *chain) dialGateway(t *testing.T) *tls.Conn {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(c.gateway.Certificate())
	conn, err := tls.Dial("tcp", c.gateway.Listener.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "example.com", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
