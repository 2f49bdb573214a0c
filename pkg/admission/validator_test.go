package admission

import (
	"context"
	"errors"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// countingReader fails every read and counts them: the tests below must not need one.
type countingReader struct {
	client.Reader
	lists int
}

func (r *countingReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	r.lists++
	return errors.New("no cache in this test")
}

func requestBy(user string) context.Context {
	return admission.NewContextWithRequest(context.Background(), admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UserInfo: authenticationv1.UserInfo{Username: user}}})
}

// TestValidatorReadsTheRequester: the validator takes the user from the request controller-
// runtime puts in the context, and looks up other holders of a clusterID only when the
// request sets one.
func TestValidatorReadsTheRequester(t *testing.T) {
	waiting := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec: v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: "prod-credentials"}}}
	renamed := waiting.DeepCopy()
	renamed.Spec.DisplayName = "Production"
	joined := waiting.DeepCopy()
	joined.Spec.ClusterID = "00000000-0000-4000-8000-000000000001"
	reader := &countingReader{}
	v := &ImportedClusterValidator{Reader: reader}
	join := requestBy(v1alpha1.JoinUsername("prod"))

	cases := []struct {
		desc string
		run  func() (admission.Warnings, error)
		want string // "" allowed, else a substring of the refusal
	}{
		{"create waiting for join", func() (admission.Warnings, error) { return v.ValidateCreate(requestBy("admin"), waiting) }, ""},
		{"admin edits a waiting registration", func() (admission.Warnings, error) { return v.ValidateUpdate(requestBy("admin"), waiting, renamed) }, ""},
		{"the join token may not", func() (admission.Warnings, error) { return v.ValidateUpdate(join, waiting, renamed) },
			`spec.displayName: Forbidden: the join token of "prod" may only set spec.clusterID, spec.apiServer and spec.mode`},
		{"no request in the context: no user", func() (admission.Warnings, error) { return v.ValidateUpdate(context.Background(), waiting, renamed) }, ""},
		{"the join token may not delete", func() (admission.Warnings, error) { return v.ValidateDelete(join, waiting) }, "may not delete its registration"},
		{"the admin may delete", func() (admission.Warnings, error) { return v.ValidateDelete(requestBy("admin"), waiting) }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := tc.run()
			if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
	if reader.lists != 0 {
		t.Fatalf("%d cache reads for requests that set no clusterID", reader.lists)
	}
	if _, err := v.ValidateUpdate(join, waiting, joined); err == nil || !strings.Contains(err.Error(), "no cache in this test") || reader.lists != 1 {
		t.Fatalf("join must look up holders of the clusterID it sets: %v, %d reads", err, reader.lists)
	}
}
