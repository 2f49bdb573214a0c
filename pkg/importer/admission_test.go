package importer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// The rule comes from the causes' types, whatever the message says; pkg/admission's
// TestExplainAdmissionNamesEachRule checks the same against the real webhook.
func TestExplainAdmissionReadsTheCauses(t *testing.T) {
	denied := `admission webhook "importedclusters.kimport.dev" denied the request: `
	refuse := func(rule validate.Rule, errs ...*field.Error) error {
		r := validate.Result{Errors: errs}
		for range errs {
			r.Rules = append(r.Rules, rule)
		}
		return &apierrors.StatusError{ErrStatus: metav1.Status{
			Message: denied + "spec.members: misleading text naming spec.k3s",
			Details: &metav1.StatusDetails{Causes: r.Causes()},
		}}
	}
	for _, rule := range validate.Rules {
		err := refuse(rule, field.Invalid(field.NewPath("spec", "clusterID"), "x", "no"))
		got := ExplainAdmission(err)
		var refusal *Refusal
		if !errors.As(got, &refusal) || !slices.Equal(refusal.Rules, []validate.Rule{rule}) || !errors.Is(got, err) {
			t.Errorf("%s: ExplainAdmission = %v, want a refusal by %s wrapping the error", rule, got, rule)
			continue
		}
		if want := "(rule " + string(rule) + ": " + rule.Description() + ")"; !strings.Contains(got.Error(), want) {
			t.Errorf("%s: %q does not name %q", rule, got, want)
		}
		if f := refusal.Fields[rule]; !slices.Equal(f, []string{"spec.clusterID"}) {
			t.Errorf("%s: fields %q", rule, f)
		}
	}
	// No cause of a rule: not a refusal, whatever the message says.
	noCause := &apierrors.StatusError{ErrStatus: metav1.Status{Message: denied + "spec.clusterID: Invalid value"}}
	if got := ExplainAdmission(noCause); got != error(noCause) {
		t.Errorf("ExplainAdmission without causes = %v, want the error unchanged", got)
	}
	unreachable := &apierrors.StatusError{ErrStatus: metav1.Status{
		Message: `Internal error occurred: failed calling webhook "importedclusters.kimport.dev": connection refused`}}
	if got := ExplainAdmission(unreachable); got == nil || !strings.Contains(got.Error(), "cannot be reached") || !errors.Is(got, unreachable) {
		t.Errorf("ExplainAdmission(unreachable) = %v", got)
	}
	if plain := errors.New("x"); ExplainAdmission(plain) != plain || ExplainAdmission(nil) != nil {
		t.Error("other errors must pass through unchanged")
	}
}
