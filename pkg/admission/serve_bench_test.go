package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// emptyReader answers every list with no other holder, as the cache does for a new clusterID.
type emptyReader struct{ client.Reader }

func (emptyReader) List(context.Context, client.ObjectList, ...client.ListOption) error { return nil }

// benchReview is an AdmissionReview as the API server sends it for ic (UPDATE when old is set).
func benchReview(b testing.TB, ic, old *v1alpha1.ImportedCluster) []byte {
	b.Helper()
	raw := func(o *v1alpha1.ImportedCluster) runtime.RawExtension {
		o = o.DeepCopy()
		o.APIVersion, o.Kind = v1alpha1.GroupVersion.String(), "ImportedCluster"
		// What the API server adds to every object it sends.
		o.UID, o.ResourceVersion, o.Generation = "5f0c5d1e-7c4b-4e57-9a53-0d1c7e1f2a3b", "123456", 1
		o.CreationTimestamp = metav1.Now()
		o.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-import", Operation: metav1.ManagedFieldsOperationUpdate,
			APIVersion: "kimport.dev/v1alpha1", Time: &o.CreationTimestamp, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(
				`{"f:metadata":{"f:annotations":{".":{},"f:capabilities/nodePortRange":{}},"f:labels":{".":{},"f:kimport.dev/cluster-id":{},"f:team":{}}},` +
					`"f:spec":{".":{},"f:apiServer":{},"f:clusterID":{},"f:credentialsSecretRef":{".":{},"f:name":{}},"f:members":{}}}`)}}
		data, err := json.Marshal(o)
		if err != nil {
			b.Fatal(err)
		}
		return runtime.RawExtension{Raw: data}
	}
	req := &admissionv1.AdmissionRequest{UID: "u", Kind: metav1.GroupVersionKind{Group: "kimport.dev", Version: "v1alpha1", Kind: "ImportedCluster"},
		Resource: metav1.GroupVersionResource{Group: "kimport.dev", Version: "v1alpha1", Resource: "importedclusters"},
		Name:     ic.Name, Operation: admissionv1.Create, Object: raw(ic),
		UserInfo: authenticationv1.UserInfo{Username: "admin", Groups: []string{"system:masters", "system:authenticated"}}}
	if old != nil {
		req.Operation, req.OldObject = admissionv1.Update, raw(old)
	}
	body, err := json.Marshal(admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}, Request: req})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkServeAdmission is the webhook's own cost of one admission, in-process, from the
// request body to the response (decoding the review and both objects, every rule, encoding the
// answer): what `webhook cpu per admission` of make bench measures through the real API
// server, without TLS and the cache.
func BenchmarkServeAdmission(b *testing.B) {
	wh := handler{v: &ImportedClusterValidator{Index: emptyReader{}, Live: emptyReader{}, StatusWriters: []string{"hub"}}, log: logr.Discard()}
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "edge-17",
		Labels:      map[string]string{"team": "edge", v1alpha1.ClusterIDLabel: "0b6e4f5c-3f1c-4f7e-9d2a-6c1f5e8d9a10"},
		Annotations: map[string]string{"capabilities/nodePortRange": "30000-32000"}},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: "0b6e4f5c-3f1c-4f7e-9d2a-6c1f5e8d9a10", APIServer: "https://10.0.0.17:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: "edge-17-credentials"},
			Members:              []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}}}}
	updated := ic.DeepCopy()
	updated.Annotations["capabilities/nodePortRange"] = "30000-32767"
	for _, tc := range []struct {
		name string
		body []byte
	}{{"create", benchReview(b, ic, nil)}, {"update", benchReview(b, updated, ic)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(tc.body))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				wh.ServeHTTP(w, r)
				if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"allowed":true`)) {
					b.Fatalf("%d %s", w.Code, w.Body.String())
				}
			}
		})
	}
}
