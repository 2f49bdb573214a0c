package hubserver

import (
	"net/http"
	"testing"
)

type recordURL struct{ got []string }

func (r *recordURL) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = append(r.got, req.Method+" "+req.URL.String())
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// TestOnlySecret: the rotator's lists and watches of kimport-system's Secrets ask for the
// certificate Secret alone; every other request passes unchanged.
func TestOnlySecret(t *testing.T) {
	rec := &recordURL{}
	rt := onlySecret{next: rec, selector: "metadata.name=kimport-webhook-tls"}
	for _, u := range []string{
		"https://hub/api/v1/namespaces/kimport-system/secrets?limit=500&resourceVersion=0",
		"https://hub/api/v1/namespaces/kimport-system/secrets?watch=true&fieldSelector=metadata.name%3Dother",
		"https://hub/api/v1/namespaces/kimport-system/secrets/kimport-webhook-tls",
		"https://hub/api/v1/namespaces/default/secrets",
		"https://hub/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
	} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"GET https://hub/api/v1/namespaces/kimport-system/secrets?fieldSelector=metadata.name%3Dkimport-webhook-tls&limit=500&resourceVersion=0",
		"GET https://hub/api/v1/namespaces/kimport-system/secrets?fieldSelector=metadata.name%3Dkimport-webhook-tls&watch=true",
		"GET https://hub/api/v1/namespaces/kimport-system/secrets/kimport-webhook-tls",
		"GET https://hub/api/v1/namespaces/default/secrets",
		"GET https://hub/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
	}
	for i := range want {
		if i >= len(rec.got) || rec.got[i] != want[i] {
			t.Errorf("request %d = %q, want %q", i, rec.got[i], want[i])
		}
	}
}
