package liveness

import "time"

const (
	// ReconnectGrace is how long an agent whose tunnel ended is still judged alive: time to
	// reconnect to another replica (its backoff starts at one second), short enough that a
	// killed agent shows Unavailable within 30 s.
	ReconnectGrace = 10 * time.Second
	// StartupGrace is how long after a hub replica starts the agents it has not seen yet are
	// left as they were: time for tunnels to reattach and for the other replicas to be read.
	StartupGrace = 30 * time.Second
)

// Evidence is what the hub knows of one agent.
type Evidence struct {
	Tunnel State
	// Renewed is when the hub saw the agent last renew its heartbeat Lease (zero: never since
	// it started), LeaseGrace how long that renewal counts.
	Renewed    time.Time
	LeaseGrace time.Duration
	// Seen says the stored status shows the agent seen before (by an earlier hub replica).
	Seen bool
}

// Source is what a verdict rests on.
type Source int

const (
	// Nothing: the agent has not been seen.
	Nothing Source = iota
	// Tunnel: a replica holds the agent's tunnel.
	Tunnel
	// Lease: the agent renewed its heartbeat Lease within the grace period.
	Lease
	// Reconnecting: its tunnel ended less than ReconnectGrace ago.
	Reconnecting
	// Starting: the hub started less than StartupGrace ago and has not seen the agent yet.
	Starting
	// Late: neither, past every grace.
	Late
)

// Verdict is the judgement of one agent.
type Verdict struct {
	Source Source
	// Recheck is when the verdict changes unless something happens (zero: only on a change
	// of the tunnel or a renewal).
	Recheck time.Time
}

// Alive is true when the agent counts as alive.
func (v Verdict) Alive() bool {
	return v.Source == Tunnel || v.Source == Lease || v.Source == Reconnecting
}

// Keep is true when the hub should leave the agent's stored judgement as it is.
func (v Verdict) Keep() bool { return v.Source == Starting }

// Judge judges an agent at now: alive while a replica holds its tunnel, while its last
// Lease renewal is within the grace, and for ReconnectGrace after its tunnel ended. An agent
// seen before (by an earlier replica) is left as it was for StartupGrace after the hub
// started while this replica has seen neither its tunnel nor a renewal since; one this
// replica saw renewing and then fall silent is late, start or not. Else late if it was
// ever seen, and not seen yet if never.
func Judge(now time.Time, e Evidence) Verdict {
	t := e.Tunnel
	leaseUntil := e.Renewed.Add(e.LeaseGrace)
	switch {
	case t.Connected:
		return Verdict{Source: Tunnel}
	case !e.Renewed.IsZero() && now.Before(leaseUntil):
		return Verdict{Source: Lease, Recheck: leaseUntil}
	case !t.Down.IsZero() && now.Before(t.Down.Add(ReconnectGrace)):
		return Verdict{Source: Reconnecting, Recheck: t.Down.Add(ReconnectGrace)}
	case e.Seen && now.Before(t.Started.Add(StartupGrace)) && t.Down.IsZero() && e.Renewed.Before(t.Started):
		return Verdict{Source: Starting, Recheck: t.Started.Add(StartupGrace)}
	case e.Seen || !t.Down.IsZero() || !e.Renewed.IsZero():
		return Verdict{Source: Late}
	}
	return Verdict{Source: Nothing}
}
