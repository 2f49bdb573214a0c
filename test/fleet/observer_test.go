package fleet

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// observer watches every ImportedCluster (as the hub admin) and records, by the benchmark's
// clock, when each first showed each phase, and every change after a mark.
type observer struct {
	mu      sync.Mutex
	phase   map[string]v1alpha1.Phase
	first   map[string]map[v1alpha1.Phase]time.Time
	changed chan struct{}
}

func observe(ctx context.Context, c client.WithWatch) *observer {
	o := &observer{phase: map[string]v1alpha1.Phase{}, first: map[string]map[v1alpha1.Phase]time.Time{}, changed: make(chan struct{}, 1)}
	go o.run(ctx, c)
	return o
}

func (o *observer) run(ctx context.Context, c client.WithWatch) {
	for ctx.Err() == nil {
		var list v1alpha1.ImportedClusterList
		if err := c.List(ctx, &list); err != nil {
			time.Sleep(time.Second)
			continue
		}
		for i := range list.Items {
			o.see(&list.Items[i])
		}
		w, err := c.Watch(ctx, &v1alpha1.ImportedClusterList{}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		for ev := range w.ResultChan() {
			if ic, ok := ev.Object.(*v1alpha1.ImportedCluster); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				o.see(ic)
			}
		}
		w.Stop()
	}
}

func (o *observer) see(ic *v1alpha1.ImportedCluster) {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	p := ic.Status.Phase
	if o.phase[ic.Name] == p {
		return
	}
	o.phase[ic.Name] = p
	if o.first[ic.Name] == nil {
		o.first[ic.Name] = map[v1alpha1.Phase]time.Time{}
	}
	if _, ok := o.first[ic.Name][p]; !ok {
		o.first[ic.Name][p] = now
	}
	select {
	case o.changed <- struct{}{}:
	default:
	}
}

// count is how many of names are in phase p now.
func (o *observer) count(names []string, p v1alpha1.Phase) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, name := range names {
		if o.phase[name] == p {
			n++
		}
	}
	return n
}

// waitAll waits until every one of names is in phase p, or timeout; it returns when the
// last one got there (by the first time each showed p) and how many did.
func (o *observer) waitAll(names []string, p v1alpha1.Phase, timeout time.Duration) (time.Time, int) {
	deadline := time.After(timeout)
	for {
		if n := o.count(names, p); n == len(names) {
			break
		}
		select {
		case <-o.changed:
		case <-time.After(time.Second):
		case <-deadline:
			last, _ := o.lastFirst(names, p)
			return last, o.count(names, p)
		}
	}
	last, _ := o.lastFirst(names, p)
	return last, len(names)
}

// lastFirst is the latest of the times each of names first showed p, over those that did.
func (o *observer) lastFirst(names []string, p v1alpha1.Phase) (time.Time, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var last time.Time
	n := 0
	for _, name := range names {
		if t, ok := o.first[name][p]; ok {
			n++
			if t.After(last) {
				last = t
			}
		}
	}
	return last, n
}

// firstAfter is when name first showed p, if it did after mark (phases seen before mark are
// forgotten by resetFirst).
func (o *observer) firstOf(name string, p v1alpha1.Phase) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.first[name][p]
	return t, ok
}

// resetFirst forgets when each cluster first showed phases other than its current one, so
// that firstOf reports transitions from now on.
func (o *observer) resetFirst() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for name, cur := range o.phase {
		t := o.first[name][cur]
		o.first[name] = map[v1alpha1.Phase]time.Time{cur: t}
	}
}

func (o *observer) phaseOf(name string) v1alpha1.Phase {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.phase[name]
}

// summary counts names by phase.
func (o *observer) summary(names []string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	by := map[v1alpha1.Phase]int{}
	for _, n := range names {
		by[o.phase[n]]++
	}
	return fmt.Sprint(by)
}

// rate is how many of names turned p per second between the first and the last of them.
func (o *observer) rate(names []string, p v1alpha1.Phase) float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var first, last time.Time
	for _, name := range names {
		t, ok := o.first[name][p]
		if !ok {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if d := last.Sub(first).Seconds(); d > 0 {
		return float64(len(names)) / d
	}
	return 0
}
