package importer

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestExplainAdmissionNamesTheRule(t *testing.T) {
	denied := `admission webhook "importedclusters.kimport.dev" denied the request: `
	cases := []struct{ msg, want string }{
		{denied + `spec.clusterID: Invalid value: "uid-1": this cluster is already imported as "prod" (Active)`, "(rule: no re-import of a registered cluster)"},
		{denied + `spec.members: Forbidden: the join token of "prod" may only set spec.clusterID and spec.apiServer; ask the hub admin to change spec.members`,
			"(rule: join token scope)"},
		{denied + `spec.apiServer: Invalid value: "https://x": the join token of "prod" may set it only once`, "(rule: join token scope)"},
		{denied + `spec.apiServer: Invalid value: "https://x": re-pointing an Active cluster is refused`, "(rule: no re-pointing of an Active cluster)"},
		{denied + `metadata.annotations[capabilities/x]: Invalid value`, "(rule: well-formed capability annotations)"},
		{denied + `something else`, "(rule: ImportedCluster validation)"},
		{`Internal error occurred: failed calling webhook "importedclusters.kimport.dev": connection refused`, "cannot be reached"},
	}
	for _, tc := range cases {
		err := &apierrors.StatusError{ErrStatus: metav1.Status{Message: tc.msg}}
		if got := ExplainAdmission(err); got == nil || !strings.Contains(got.Error(), tc.want) || !errors.Is(got, err) {
			t.Errorf("ExplainAdmission(%q) = %v, want it to contain %q and wrap the error", tc.msg, got, tc.want)
		}
	}
	if plain := errors.New("x"); ExplainAdmission(plain) != plain || ExplainAdmission(nil) != nil {
		t.Error("other errors must pass through unchanged")
	}
}
