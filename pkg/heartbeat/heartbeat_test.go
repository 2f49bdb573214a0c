package heartbeat

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/utils/ptr"
)

func TestOf(t *testing.T) {
	for grace, want := range map[time.Duration]time.Duration{
		0:                       DefaultLease,
		-time.Second:            DefaultLease,
		time.Second:             MinLease, // at most one renewal a second
		4 * time.Second:         4 * time.Second,
		2500 * time.Millisecond: MinLease,
		6500 * time.Millisecond: 7 * time.Second, // whole seconds, never shorter than asked
		time.Minute:             time.Minute,
	} {
		if got := Of(grace).Lease; got != want {
			t.Errorf("Of(%s) = %s, want %s", grace, got, want)
		}
	}
}

// What the hub publishes is what the agent reads and what the hub judges by.
func TestPublishedIsWhatTheAgentAndTheHubUse(t *testing.T) {
	l := &coordinationv1.Lease{}
	if got := Published(l); got.Lease != DefaultLease {
		t.Errorf("a Lease without a duration publishes %s, want %s", got.Lease, DefaultLease)
	}
	c := Of(6 * time.Second)
	if !c.Publish(l) || *l.Spec.LeaseDurationSeconds != 6 {
		t.Fatalf("Publish set leaseDurationSeconds %v, want 6", l.Spec.LeaseDurationSeconds)
	}
	if c.Publish(l) {
		t.Error("publishing the same cadence again changed the Lease")
	}
	got := Published(l)
	if got != c || got.Grace() != 6*time.Second || got.Interval() != 2*time.Second {
		t.Errorf("published %+v: grace %s, interval %s; want 6s and 2s", got, got.Grace(), got.Interval())
	}
	if Published(&coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To[int32](0)}}).Lease != DefaultLease {
		t.Error("a zero duration is not the default")
	}
}

// Renewals are jittered below the interval, never above it: they stay within the lease.
func TestNext(t *testing.T) {
	c := Of(time.Minute)
	for _, r := range []float64{0, 0.25, 0.5, 0.999} {
		d := c.Next(r)
		if d > c.Interval() || d < c.Interval()*4/5 {
			t.Errorf("Next(%v) = %s, want within [%s, %s]", r, d, c.Interval()*4/5, c.Interval())
		}
	}
	if c.Next(0) == c.Next(0.5) {
		t.Error("no jitter")
	}
}
