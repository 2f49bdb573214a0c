package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// PollInterval is how often waits read the hub.
const PollInterval = 500 * time.Millisecond

// WaitActive waits, at most timeout, until the ImportedCluster is Active. progress (may be
// nil) is called whenever the phase or a condition changes. On timeout the error names the
// conditions that are not True and their messages. Errors reading the hub are retried
// until the timeout; a record that disappears ends the wait at once.
func WaitActive(ctx context.Context, hub client.Client, name string, timeout time.Duration, progress func(*v1alpha1.ImportedCluster)) (*v1alpha1.ImportedCluster, error) {
	var ic *v1alpha1.ImportedCluster
	var readErr error
	shown := ""
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		var got v1alpha1.ImportedCluster
		if readErr = hub.Get(ctx, client.ObjectKey{Name: name}, &got); readErr != nil {
			if apierrors.IsNotFound(readErr) {
				return false, fmt.Errorf("importedcluster %s was deleted while waiting for it to be Active", name)
			}
			return false, nil
		}
		ic = &got
		if now := Progress(ic); now != shown && progress != nil {
			shown = now
			progress(ic)
		}
		return ic.Status.Phase == v1alpha1.PhaseActive, nil
	})
	switch {
	case err == nil:
		return ic, nil
	case !timedOut(err):
		return ic, err
	case ic == nil:
		return nil, fmt.Errorf("importedcluster %s is not Active after %s: %v", name, timeout, readErr)
	}
	return ic, fmt.Errorf("importedcluster %s is not Active after %s (phase %s)%s", name, timeout, PhaseOf(ic), notTrue(ic.Status.Conditions))
}

func timedOut(err error) bool {
	return wait.Interrupted(err) || errors.Is(err, context.DeadlineExceeded)
}

// Progress is a one-line summary of phase and conditions, e.g.
// "Pending  Connected=True ProjectsAssigned=False (NotYet)".
func Progress(ic *v1alpha1.ImportedCluster) string {
	var b strings.Builder
	b.WriteString(PhaseOf(ic))
	for _, c := range ic.Status.Conditions {
		fmt.Fprintf(&b, "  %s=%s", c.Type, c.Status)
		if c.Status != metav1.ConditionTrue && c.Reason != "" {
			fmt.Fprintf(&b, " (%s)", c.Reason)
		}
	}
	return b.String()
}

// notTrue describes the conditions that are not True, with their messages.
func notTrue(conds []metav1.Condition) string {
	var parts []string
	for _, c := range conds {
		if c.Status != metav1.ConditionTrue {
			parts = append(parts, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
		}
	}
	if len(parts) == 0 {
		if len(conds) == 0 {
			return ": no conditions reported yet (is the reconciler running in the hub?)"
		}
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// WaitGone waits, at most timeout, until the ImportedCluster no longer exists. It returns the
// last state seen (nil when it was already gone), so callers can report how cleanup ended.
// Errors reading the hub are retried until the timeout.
func WaitGone(ctx context.Context, hub client.Client, name string, timeout time.Duration) (*v1alpha1.ImportedCluster, error) {
	var last *v1alpha1.ImportedCluster
	var readErr error
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		var ic v1alpha1.ImportedCluster
		if readErr = hub.Get(ctx, client.ObjectKey{Name: name}, &ic); readErr != nil {
			return apierrors.IsNotFound(readErr), nil
		}
		last = &ic
		return false, nil
	})
	switch {
	case err == nil:
		return last, nil
	case !timedOut(err):
		return last, err
	case last == nil:
		return nil, fmt.Errorf("importedcluster %s: still not confirmed gone after %s: %v", name, timeout, readErr)
	}
	return last, fmt.Errorf("importedcluster %s still exists after %s (phase %s)%s", name, timeout, PhaseOf(last), notTrue(last.Status.Conditions))
}
