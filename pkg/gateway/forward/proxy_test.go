package forward

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
)

// The path a request goes to: the base's path (a downstream behind a path prefix), then the
// request's escaped path and query, as sent.
func TestServeJoinsPaths(t *testing.T) {
	var got []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.RequestURI+" "+r.Header.Get("Impersonate-User"))
	}))
	defer target.Close()
	for _, tc := range []struct{ base, path, query, want string }{
		{target.URL, "/api/v1/namespaces", "watch=1", "/api/v1/namespaces?watch=1 alice"},
		{target.URL + "/k8s/clusters/c-1/", "/api/v1/namespaces/a%2Fb", "", "/k8s/clusters/c-1/api/v1/namespaces/a%2Fb alice"},
		{target.URL + "/prefix", "/", "", "/prefix/ alice"},
	} {
		got = nil
		base, _ := url.Parse(tc.base)
		r := httptest.NewRequest(http.MethodGet, "/ignored", nil)
		r.URL.RawQuery = tc.query
		w := httptest.NewRecorder()
		Serve(w, r, tc.path, Target{Base: base, Transport: http.DefaultTransport, Impersonation: access.Impersonation{User: "alice", HubUser: "alice"}})
		if w.Code != http.StatusOK || len(got) != 1 || got[0] != tc.want {
			t.Errorf("base %s path %s: %d, target saw %q, want %q", tc.base, tc.path, w.Code, got, tc.want)
		}
	}
}

// A target that cannot be reached is a 502 Status, as an API server would say it.
func TestServeUnreachable(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:1")
	w := httptest.NewRecorder()
	Serve(w, httptest.NewRequest(http.MethodGet, "/", nil), "/api", Target{Base: base, Transport: http.DefaultTransport})
	var s metav1.Status
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil || w.Code != http.StatusBadGateway || s.Kind != "Status" ||
		!strings.Contains(s.Message, "the cluster's API server could not be reached") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
