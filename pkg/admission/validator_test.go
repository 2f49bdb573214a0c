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

func requestBy(user string, op admissionv1.Operation) Request {
	return Request{Operation: op, UserInfo: authenticationv1.UserInfo{Username: user}}
}

// TestValidatorReadsTheRequester: the validator judges by the request's user, and looks up
// other holders of a clusterID only when the request sets one.
func TestValidatorReadsTheRequester(t *testing.T) {
	waiting := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec: v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: "prod-credentials"}}}
	renamed := waiting.DeepCopy()
	renamed.Spec.DisplayName = "Production"
	joined := waiting.DeepCopy()
	joined.Spec.ClusterID = "00000000-0000-4000-8000-000000000001"
	joined.Labels = map[string]string{v1alpha1.ClusterIDLabel: joined.Spec.ClusterID}
	reader := &countingReader{}
	v := &ImportedClusterValidator{Index: reader, Live: reader}
	joiner := v1alpha1.JoinUsername("prod")
	ctx := context.Background()

	cases := []struct {
		desc string
		run  func() ([]string, error)
		want string // "" allowed, else a substring of the refusal
	}{
		{"create waiting for join", func() ([]string, error) { return v.Admit(ctx, requestBy("admin", admissionv1.Create), waiting, nil) }, ""},
		{"admin edits a waiting registration", func() ([]string, error) {
			return v.Admit(ctx, requestBy("admin", admissionv1.Update), renamed, waiting)
		}, ""},
		{"the join token may not", func() ([]string, error) { return v.Admit(ctx, requestBy(joiner, admissionv1.Update), renamed, waiting) },
			`spec.displayName: Forbidden: the join token of "prod" may only set spec.clusterID, spec.apiServer and spec.mode`},
		{"the join token may not delete", func() ([]string, error) { return v.Admit(ctx, requestBy(joiner, admissionv1.Delete), nil, waiting) }, "may not delete its registration"},
		{"the admin may delete", func() ([]string, error) { return v.Admit(ctx, requestBy("admin", admissionv1.Delete), nil, waiting) }, ""},
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
	if _, err := v.Admit(ctx, requestBy(joiner, admissionv1.Update), joined, waiting); err == nil || !strings.Contains(err.Error(), "no cache in this test") || reader.lists != 1 {
		t.Fatalf("join must look up holders of the clusterID it sets: %v, %d reads", err, reader.lists)
	}
}
