package validate

import (
	"strings"
	"testing"
)

// expectMessages checks got against want, one to one and in order. A want entry starting
// with "=" must equal the message; any other must be a substring of it.
func expectMessages(t *testing.T, kind string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d, want %d:\n got: %s\nwant: %s", kind, len(got), len(want),
			strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	for i := range want {
		exact, ok := strings.CutPrefix(want[i], "=")
		if ok && got[i] != exact || !ok && !strings.Contains(got[i], want[i]) {
			t.Errorf("%s[%d]:\n got: %s\nwant: %s", kind, i, got[i], want[i])
		}
	}
}

// expectResult checks a Result's error and warning messages (see expectMessages).
func expectResult(t *testing.T, r Result, errs, warnings []string) {
	t.Helper()
	got := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		got[i] = e.Error()
	}
	expectMessages(t, "errors", got, errs)
	expectMessages(t, "warnings", r.Warnings, warnings)
	if (r.Err() == nil) != (len(errs) == 0) {
		t.Errorf("Err() = %v with %d errors", r.Err(), len(errs))
	}
}
