package preflight

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Status is the outcome of one check.
type Status int

const (
	Pass Status = iota
	Fail
	// Skip: a check that could not run because one it depends on failed.
	Skip
)

// Check is one line of a preflight report.
type Check struct {
	Name   string
	Status Status
	Detail string
	// Remedy lines are printed under a failed check: what to run or change.
	Remedy []string
}

// Report is the outcome of the checks, with what it learnt about the two clusters.
type Report struct {
	Checks []Check
	// ServerVersion of the downstream, e.g. v1.32.4+k3s1.
	ServerVersion string
	// ClusterID and HubID are the kube-system UIDs of the downstream and the hub.
	ClusterID string
	HubID     string
	// Existing is the ImportedCluster of the requested name, when there is one for this
	// cluster (a re-run).
	Existing *v1alpha1.ImportedCluster
}

func (r *Report) add(c Check) { r.Checks = append(r.Checks, c) }

func (r *Report) pass(name, format string, args ...any) {
	r.add(Check{Name: name, Status: Pass, Detail: fmt.Sprintf(format, args...)})
}

func (r *Report) fail(name, detail string, remedy ...string) {
	r.add(Check{Name: name, Status: Fail, Detail: detail, Remedy: remedy})
}

func (r *Report) skip(name, because string) {
	r.add(Check{Name: name, Status: Skip, Detail: "not checked: " + because})
}

// Failed lists the checks that failed.
func (r *Report) Failed() []Check {
	var failed []Check
	for _, c := range r.Checks {
		if c.Status == Fail {
			failed = append(failed, c)
		}
	}
	return failed
}

// Err is nil when every check passed, else an error naming the failed checks.
func (r *Report) Err() error {
	failed := r.Failed()
	if len(failed) == 0 {
		return nil
	}
	names := make([]string, len(failed))
	for i, c := range failed {
		names[i] = c.Name
	}
	return fmt.Errorf("preflight failed (%d of %d checks): %s; nothing was changed", len(failed), len(r.Checks), strings.Join(names, "; "))
}

// Write prints one line per check, with ✓/✗ on a terminal (fancy) and OK/FAIL otherwise,
// and the remedy of each failed check indented under it.
func (r *Report) Write(w io.Writer, fancy bool) {
	marks := map[Status]string{Pass: "OK  ", Fail: "FAIL", Skip: "SKIP"}
	if fancy {
		marks = map[Status]string{Pass: "✓", Fail: "✗", Skip: "-"}
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%s %s: %s\n", marks[c.Status], c.Name, c.Detail)
		for _, line := range c.Remedy {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}
