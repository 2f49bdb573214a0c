package agentrun

import (
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// A fleet's agents start together (a hub restored, a fleet imported at once) and, when the
// hub is slow, fail together: retries and syncs that keep in step hit the hub in waves.
// Every wait of the agent's reconciler is therefore jittered.

const (
	// retryBase and retryMax bound the wait before retrying a failed sync or report: it
	// doubles from retryBase per failure in a row, at most retryMax, then is jittered.
	retryBase = time.Second
	retryMax  = 5 * time.Minute
)

// retryLimiter is the agent's workqueue rate limiter: exponential per failure, with full
// jitter between half and the whole wait (controller-runtime's default starts at 5 ms and
// keeps every agent in step).
type retryLimiter struct {
	mu       sync.Mutex
	failures map[reconcile.Request]int
}

var _ workqueue.TypedRateLimiter[reconcile.Request] = &retryLimiter{}

func newRetryLimiter() *retryLimiter { return &retryLimiter{failures: map[reconcile.Request]int{}} }

func (l *retryLimiter) When(item reconcile.Request) time.Duration {
	l.mu.Lock()
	n := l.failures[item]
	l.failures[item] = n + 1
	l.mu.Unlock()
	d := retryMax
	if n < 20 && retryBase<<n < retryMax {
		d = retryBase << n
	}
	return d/2 + time.Duration(rand.Float64()*float64(d/2))
}

func (l *retryLimiter) Forget(item reconcile.Request) {
	l.mu.Lock()
	delete(l.failures, item)
	l.mu.Unlock()
}

func (l *retryLimiter) NumRequeues(item reconcile.Request) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failures[item]
}

// spread is d shortened by up to a fifth, at random: syncs of agents started together drift
// apart instead of reaching the hub at the same moments.
func spread(d time.Duration) time.Duration {
	return d - time.Duration(rand.Float64()*float64(d)/5)
}
