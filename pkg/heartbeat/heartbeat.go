// Package heartbeat is the cadence of agents' heartbeats, which the hub owns. The hub
// publishes in each heartbeat Lease how long one renewal counts (spec.leaseDurationSeconds,
// which an agent may not change: deploy/base/heartbeat-policy.yaml); the agent reads it at each
// renewal and renews every third of it, jittered; the hub judges a heartbeat late once that
// duration has passed since it saw the renewal, by its own clock. No agent setting has to
// agree with a hub setting: the hub's one knob (--agent-heartbeat-grace) is what it publishes.
//
// The Lease is the one channel of liveness today. Another source (a tunnel the agent holds
// open) would record sightings the same way, and the hub would publish a longer lease, to
// which every agent slows its renewals at its next one.
package heartbeat

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
)

const (
	// DefaultLease is the published duration unless the hub is told otherwise: agents renew
	// about every 20 s, and two renewals may fail before the hub marks a cluster Unavailable.
	DefaultLease = 60 * time.Second
	// MinLease is the shortest duration the hub publishes: one renewal a second.
	MinLease = 3 * time.Second
	// RenewalsPerLease is how many renewals one lease spans.
	RenewalsPerLease = 3
	// jitter shortens each wait by up to this fraction, so that agents started together (a
	// hub restart, a fleet imported at once) do not renew together.
	jitter = 0.2
)

// Cadence is a published lease duration.
type Cadence struct {
	Lease time.Duration
}

// Of is the cadence the hub publishes for its --agent-heartbeat-grace: DefaultLease when it is
// not set, at least MinLease, in whole seconds (as leaseDurationSeconds holds it).
func Of(grace time.Duration) Cadence {
	if grace <= 0 {
		grace = DefaultLease
	}
	grace = max(grace, MinLease)
	return Cadence{Lease: (grace + time.Second - 1).Truncate(time.Second)}
}

// Published is the cadence a heartbeat Lease carries: DefaultLease when it carries none.
func Published(l *coordinationv1.Lease) Cadence {
	if l == nil || l.Spec.LeaseDurationSeconds == nil || *l.Spec.LeaseDurationSeconds <= 0 {
		return Cadence{Lease: DefaultLease}
	}
	return Cadence{Lease: time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second}
}

// Seconds is c as leaseDurationSeconds holds it.
func (c Cadence) Seconds() int32 { return int32(c.Lease / time.Second) }

// Publish sets c in l and says whether that changed it.
func (c Cadence) Publish(l *coordinationv1.Lease) bool {
	if Published(l) == c && l.Spec.LeaseDurationSeconds != nil {
		return false
	}
	s := c.Seconds()
	l.Spec.LeaseDurationSeconds = &s
	return true
}

// Interval is the agent's time between renewals, before jitter.
func (c Cadence) Interval() time.Duration { return c.Lease / RenewalsPerLease }

// Next is the wait before the agent's next renewal, for r in [0, 1): Interval shortened by up
// to a fifth, never lengthened, so that renewals stay within the lease.
func (c Cadence) Next(r float64) time.Duration {
	return c.Interval() - time.Duration(jitter*r*float64(c.Interval()))
}

// Grace is how long after a renewal the hub saw the heartbeat is late.
func (c Cadence) Grace() time.Duration { return c.Lease }
