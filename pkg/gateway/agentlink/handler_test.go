package agentlink

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
)

// The agent checks the impersonation it is asked for, whoever sends it: an identity the
// gateway's rules never give is refused before anything reaches the downstream.
func TestHandlerRefusesWhatTheRulesNeverGive(t *testing.T) {
	var reached atomic.Int32
	var last http.Header
	ds := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		last = r.Header.Clone()
	}))
	defer ds.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ds.Certificate().Raw})
	h, err := NewHandler(&rest.Config{Host: ds.URL, BearerToken: "impersonator", TLSClientConfig: rest.TLSClientConfig{CAData: ca}}, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	serve := func(header http.Header) int {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/namespaces", nil)
		r.Header = header
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	valid := func() http.Header {
		hd := http.Header{}
		access.Apply(hd, access.Impersonation{User: "alice", Groups: []string{"dev"}, HubUser: "alice"})
		return hd
	}
	for name, mutate := range map[string]func(http.Header){
		"system:masters":        func(h http.Header) { h.Add("Impersonate-Group", "system:masters") },
		"a ServiceAccount":      func(h http.Header) { h.Set("Impersonate-User", "system:serviceaccount:kube-system:default") },
		"a system: user":        func(h http.Header) { h.Set("Impersonate-User", "system:admin") },
		"no user":               func(h http.Header) { h.Del("Impersonate-User") },
		"another extra":         func(h http.Header) { h.Set("Impersonate-Extra-Scopes", "all") },
		"a uid":                 func(h http.Header) { h.Set("Impersonate-Uid", "0") },
		"the placeholder alone": func(h http.Header) { h.Set("Impersonate-User", gatewayapi.GroupMemberUser); h.Del("Impersonate-Group") },
	} {
		hd := valid()
		mutate(hd)
		if code := serve(hd); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("%d refused requests reached the downstream", n)
	}
	hd := valid()
	hd.Set("Authorization", "Bearer stolen")
	hd.Set("Connection", "Impersonate-User")
	if code := serve(hd); code != http.StatusOK || reached.Load() != 1 {
		t.Fatalf("valid request: %d, reached %d", code, reached.Load())
	}
	if last.Get("Authorization") != "Bearer impersonator" || last.Get("Impersonate-User") != "alice" || strings.Join(last.Values("Impersonate-Group"), ",") != "dev" {
		t.Errorf("downstream got %v", last)
	}
}

func TestNewHandlerRefusesAnImpersonatingConfig(t *testing.T) {
	_, err := NewHandler(&rest.Config{Host: "https://x", Impersonate: rest.ImpersonationConfig{UserName: "admin"}}, logr.Discard())
	if err == nil || !strings.Contains(err.Error(), "impersonates already") {
		t.Errorf("NewHandler: %v", err)
	}
}
