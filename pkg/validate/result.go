package validate

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Result is the outcome of a rule: Errors refuse the request, Warnings are returned to the
// client as admission warnings and do not refuse it.
type Result struct {
	Errors   field.ErrorList
	Warnings []string
	// Rules[i] is the rule that refused with Errors[i] (nil when nothing is refused). The
	// webhook sends it with each cause (CauseType), so the plugin names the rule from the
	// answer's structure, never from its text.
	Rules []Rule
}

// Err is nil when nothing is refused, else an aggregate error carrying every message.
func (r Result) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors.ToAggregate()
}

// Allowed reports whether the result refuses nothing.
func (r Result) Allowed() bool { return len(r.Errors) == 0 }

// merge appends other's errors (with their rules) and warnings to r.
func (r *Result) merge(other Result) {
	r.Errors = append(r.Errors, other.Errors...)
	r.Rules = append(r.Rules, other.Rules...)
	r.Warnings = append(r.Warnings, other.Warnings...)
}

// by records rule as the rule of every error of r: each exported rule function returns its
// result through it.
func (r Result) by(rule Rule) Result {
	r.Rules = nil
	for range r.Errors {
		r.Rules = append(r.Rules, rule)
	}
	return r
}

// RuleOf is the rule that refused with Errors[i].
func (r Result) RuleOf(i int) Rule {
	if i < len(r.Rules) {
		return r.Rules[i]
	}
	return ""
}

func (r *Result) refuse(err *field.Error) { r.Errors = append(r.Errors, err) }

func (r *Result) warn(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// demoted turns every error into a warning: used for problems an UPDATE did not introduce.
func demoted(r Result) Result {
	out := Result{Warnings: r.Warnings}
	for _, err := range r.Errors {
		out.Warnings = append(out.Warnings, err.Error()+" (already stored before this update, so allowed; please fix it)")
	}
	return out
}

// maxShownValue bounds how much of an offending value a message repeats, so that messages
// (and admission warnings, which the API server truncates) stay short.
const maxShownValue = 64

// shown returns s cut to maxShownValue bytes on a rune boundary, marked with "…" when cut.
func shown(s string) string {
	if len(s) <= maxShownValue {
		return s
	}
	cut := maxShownValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// rawValue is an offending value printed verbatim (not quoted again) in a field error, e.g.
// a JSON member `"yes"` or `42`. field.Error (apimachinery 0.33 and later) renders a value that
// is not a plain string or number with json.Marshal, which would quote it again, and uses
// String() only when that fails: MarshalJSON therefore fails on purpose.
type rawValue string

func (v rawValue) String() string { return shown(string(v)) }

var errVerbatim = errors.New("a rawValue is shown verbatim, not as JSON")

// MarshalJSON always fails, so that field.Error shows String().
func (v rawValue) MarshalJSON() ([]byte, error) { return nil, errVerbatim }
