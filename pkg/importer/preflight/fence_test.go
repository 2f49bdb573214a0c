package preflight

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// A downstream that does not serve ValidatingAdmissionPolicy in admissionregistration.k8s.io/v1
// (before Kubernetes 1.30) cannot fence the agent: the import refuses it.
func TestCheckFence(t *testing.T) {
	for _, tc := range []struct {
		name      string
		resources []string // of admissionregistration.k8s.io/v1; nil: the group version is not served
		want      Status
	}{
		{"1.30 and later", []string{"validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings"}, Pass},
		{"1.29: webhooks only in v1", []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}, Fail},
		{"no admissionregistration.k8s.io/v1", nil, Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/apis/admissionregistration.k8s.io/v1" || tc.resources == nil {
					http.NotFound(w, r)
					return
				}
				list := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
					GroupVersion: "admissionregistration.k8s.io/v1"}
				for _, name := range tc.resources {
					list.APIResources = append(list.APIResources, metav1.APIResource{Name: name, Verbs: metav1.Verbs{"create"}})
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(list)
			}))
			defer srv.Close()
			r := &Report{ServerVersion: "v1.29.9+k3s1"}
			checkFence(r, &importer.Cluster{Config: &rest.Config{Host: srv.URL}})
			if len(r.Checks) != 1 || r.Checks[0].Name != CheckFence || r.Checks[0].Status != tc.want {
				t.Fatalf("checks = %+v, want one %q with status %v", r.Checks, CheckFence, tc.want)
			}
			if c := r.Checks[0]; tc.want == Fail && (!strings.Contains(c.Detail, "v1.29.9+k3s1") || !strings.Contains(strings.Join(c.Remedy, "\n"), "1.30")) {
				t.Errorf("the refusal names neither the version nor the minimum: %s / %v", c.Detail, c.Remedy)
			}
		})
	}
}
