package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// holderIndex has one holder of every clusterID: "prod", Active.
type holderIndex struct{ client.Reader }

func (holderIndex) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	list.(*metav1.PartialObjectMetadataList).Items = []metav1.PartialObjectMetadata{{ObjectMeta: metav1.ObjectMeta{Name: "prod"}}}
	return nil
}

func (holderIndex) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	ic := obj.(*v1alpha1.ImportedCluster)
	ic.Name, ic.Spec.ClusterID, ic.Status.Phase = key.Name, "0b6e4f5c-3f1c-4f7e-9d2a-6c1f5e8d9a10", v1alpha1.PhaseActive
	return nil
}

func serve(t *testing.T, contentType string, body []byte) admissionv1.AdmissionReview {
	t.Helper()
	h := handler{v: &ImportedClusterValidator{Index: holderIndex{}, Live: holderIndex{}}, log: logr.Discard()}
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", w.Code, w.Body)
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Response == nil {
		t.Fatalf("answer %s: %v", w.Body, err)
	}
	if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" {
		t.Errorf("answer typed %s %s", out.APIVersion, out.Kind)
	}
	return out
}

// TestServeAnswersWithTypedCauses: a refusal travels as the rule's Status, with each cause
// typed by its rule; the answer names the request's UID.
func TestServeAnswersWithTypedCauses(t *testing.T) {
	const id = "0b6e4f5c-3f1c-4f7e-9d2a-6c1f5e8d9a10"
	twin := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "twin", Labels: map[string]string{v1alpha1.ClusterIDLabel: id}},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: id, APIServer: "https://10.0.0.1:6443", CredentialsSecretRef: v1alpha1.SecretReference{Name: "twin-credentials"}}}
	out := serve(t, "application/json", benchReview(t, twin, nil))
	resp := out.Response
	if resp.UID != "u" || resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusUnprocessableEntity || resp.Result.Details == nil {
		t.Fatalf("response %+v", resp)
	}
	causes := resp.Result.Details.Causes
	if len(causes) != 1 || causes[0].Type != validate.RuleIdentity.CauseType() || causes[0].Field != "spec.clusterID" ||
		!strings.Contains(causes[0].Message, `already imported as "prod" (Active)`) {
		t.Fatalf("causes %+v", causes)
	}

	updated := twin.DeepCopy()
	updated.Annotations = map[string]string{"capabilities/taintSupport": "T"}
	resp = serve(t, "application/json", benchReview(t, updated, twin)).Response
	if !resp.Allowed || resp.UID != "u" || len(resp.Warnings) == 0 {
		t.Fatalf("an update that sets no clusterID: %+v", resp)
	}
}

// TestServeRefusesUnreadableReviews: what is not an ImportedCluster review with the objects
// its operation needs is answered as an error, never allowed.
func TestServeRefusesUnreadableReviews(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"}}
	valid := string(benchReview(t, ic, nil))
	cases := []struct {
		desc, contentType, body, want string
	}{
		{"not JSON", "application/json", "{", "decoding the review"},
		{"another content type", "application/yaml", valid, `content type "application/yaml"`},
		{"no request", "application/json", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, "no request"},
		{"another kind", "application/json", strings.Replace(valid, `"kind":"ImportedCluster"`, `"kind":"Secret"`, 1), "reviews ImportedClusters"},
		{"a create without its object", "application/json", strings.Replace(valid, `"object":{`, `"other":{`, 1), "CREATE review without the objects"},
		{"an update without the stored object", "application/json", strings.Replace(valid, `"operation":"CREATE"`, `"operation":"UPDATE"`, 1), "UPDATE review without the objects"},
		{"CONNECT", "application/json", strings.Replace(valid, `"operation":"CREATE"`, `"operation":"CONNECT"`, 1), `unknown operation "CONNECT"`},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			resp := serve(t, tc.contentType, []byte(tc.body)).Response
			if resp.Allowed || resp.Result == nil || !strings.Contains(resp.Result.Message, tc.want) || resp.Result.Code != http.StatusBadRequest {
				t.Fatalf("response %+v, want a 400 saying %q", resp, tc.want)
			}
		})
	}
}
