package agentrun

import (
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestRetryLimiterIsJitteredExponential(t *testing.T) {
	l := newRetryLimiter()
	item := reconcile.Request{}
	item.Name = "edge"
	for n, base := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if d := l.When(item); d < base/2 || d > base {
			t.Errorf("failure %d: wait %s, want within [%s, %s]", n+1, d, base/2, base)
		}
	}
	for range 30 {
		if d := l.When(item); d > retryMax || d < retryMax/2 && l.NumRequeues(item) > 12 {
			t.Fatalf("after %d failures: wait %s, want at most %s", l.NumRequeues(item), d, retryMax)
		}
	}
	l.Forget(item)
	if d := l.When(item); d > time.Second || l.NumRequeues(item) != 1 {
		t.Errorf("after Forget: wait %s, %d requeues", d, l.NumRequeues(item))
	}
	// Agents failing together do not retry together.
	seen := map[time.Duration]bool{}
	for i := range 20 {
		other := reconcile.Request{}
		other.Name = string(rune('a' + i))
		seen[newRetryLimiter().When(other)] = true
	}
	if len(seen) < 15 {
		t.Errorf("20 agents' first retries fall on %d distinct waits: not jittered", len(seen))
	}
	for range 100 {
		if d := spread(30 * time.Second); d < 24*time.Second || d > 30*time.Second {
			t.Fatalf("spread(30s) = %s", d)
		}
	}
}
