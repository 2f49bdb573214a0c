package liveness

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

func TestJudge(t *testing.T) {
	started := State{Started: t0}
	later := t0.Add(time.Hour)
	cases := []struct {
		desc        string
		now         time.Time
		e           Evidence
		want        Source
		wantRecheck time.Time
	}{
		{"a replica holds the tunnel", later, Evidence{Tunnel: State{Connected: true, Since: t0, Started: t0}}, Tunnel, time.Time{}},
		{"a recent renewal, no tunnel", later, Evidence{Tunnel: started, Renewed: later.Add(-10 * time.Second), LeaseGrace: time.Minute}, Lease, later.Add(50 * time.Second)},
		{"the tunnel went 5s ago", later, Evidence{Tunnel: State{Started: t0, Down: later.Add(-5 * time.Second)}}, Reconnecting, later.Add(5 * time.Second)},
		{"the tunnel went 11s ago", later, Evidence{Tunnel: State{Started: t0, Down: later.Add(-11 * time.Second)}}, Late, time.Time{}},
		{"the tunnel went and the renewal is old", later, Evidence{Tunnel: State{Started: t0, Down: later.Add(-20 * time.Second)}, Renewed: later.Add(-2 * time.Minute), LeaseGrace: time.Minute}, Late, time.Time{}},
		{"just started, not seen yet", t0.Add(10 * time.Second), Evidence{Tunnel: started, Seen: true}, Starting, t0.Add(StartupGrace)},
		{"started a while ago, seen by an earlier replica", t0.Add(StartupGrace), Evidence{Tunnel: started, Seen: true}, Late, time.Time{}},
		{"started a while ago, never seen", t0.Add(StartupGrace), Evidence{Tunnel: started}, Nothing, time.Time{}},
		{"just started, the tunnel already went", t0.Add(20 * time.Second), Evidence{Tunnel: State{Started: t0, Down: t0.Add(5 * time.Second)}}, Late, time.Time{}},
		{"just started, a renewal from before the start", t0.Add(10 * time.Second), Evidence{Tunnel: started, Renewed: t0.Add(-time.Hour), LeaseGrace: time.Minute, Seen: true}, Starting, t0.Add(StartupGrace)},
		{"just started, seen renewing since and then silent", t0.Add(20 * time.Second), Evidence{Tunnel: started, Renewed: t0.Add(5 * time.Second), LeaseGrace: 5 * time.Second, Seen: true}, Late, time.Time{}},
		{"just started, never seen by any replica", t0.Add(10 * time.Second), Evidence{Tunnel: started}, Nothing, time.Time{}},
		{"an old renewal alone", later, Evidence{Tunnel: started, Renewed: t0, LeaseGrace: time.Minute}, Late, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			v := Judge(tc.now, tc.e)
			if v.Source != tc.want || !v.Recheck.Equal(tc.wantRecheck) {
				t.Errorf("Judge = %+v, want source %d recheck %s", v, tc.want, tc.wantRecheck)
			}
			if v.Alive() != (tc.want == Tunnel || tc.want == Lease || tc.want == Reconnecting) || v.Keep() != (tc.want == Starting) {
				t.Errorf("Alive %v, Keep %v for source %d", v.Alive(), v.Keep(), v.Source)
			}
		})
	}
}

func TestTunnels(t *testing.T) {
	var changed []string
	tn := NewTunnels(t0)
	tn.Notify(func(c string) { changed = append(changed, c) })
	expect := func(cluster string, connected bool, since, down time.Time, changes ...string) {
		t.Helper()
		s := tn.State(cluster)
		if s.Connected != connected || !s.Since.Equal(since) || !s.Down.Equal(down) || !s.Started.Equal(t0) {
			t.Errorf("%s: %+v, want connected %v since %s down %s", cluster, s, connected, since, down)
		}
		if !slices.Equal(changed, changes) {
			t.Errorf("changes %v, want %v", changed, changes)
		}
		changed = nil
	}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

	expect("a", false, time.Time{}, time.Time{})
	tn.Attached("self", "a", at(1))
	expect("a", true, at(1), time.Time{}, "a")
	tn.Attached("self", "a", at(2)) // a replacement: still connected, no change
	expect("a", true, at(2), time.Time{})
	tn.Replace("peer", map[string]time.Time{"a": at(3), "b": at(3)}, at(4))
	expect("b", true, at(3), time.Time{}, "b")
	expect("a", true, at(2), time.Time{})
	tn.Detached("self", "a", at(5)) // the peer still holds it
	expect("a", true, at(3), time.Time{})
	tn.Replace("peer", map[string]time.Time{"b": at(3)}, at(6))
	expect("a", false, time.Time{}, at(6), "a")
	tn.Forget("peer", at(7))
	expect("b", false, time.Time{}, at(7), "b")
	if r := tn.Replicas(); !slices.Equal(r, []string{"self"}) {
		t.Errorf("replicas %v", r)
	}
	tn.Attached("self", "b", at(8))
	expect("b", true, at(8), time.Time{}, "b")
}

func TestServingRestartsTheStartupGrace(t *testing.T) {
	tn := NewTunnels(t0)
	tn.Serving(t0.Add(40 * time.Second)) // a slow start: the gateway serves 40 s after the process
	s := tn.State("a")
	if !s.Started.Equal(t0.Add(40 * time.Second)) {
		t.Fatalf("Started %s, want the time the gateway first served", s.Started)
	}
	// An agent seen before, not back yet 35 s after the process started: still in its grace.
	if v := Judge(t0.Add(35*time.Second), Evidence{Tunnel: s, Seen: true}); v.Source != Starting {
		t.Errorf("Judge = %+v, want Starting", v)
	}
	tn.Serving(t0.Add(10 * time.Second)) // an earlier time never moves it back
	if s := tn.State("a"); !s.Started.Equal(t0.Add(40 * time.Second)) {
		t.Errorf("Started moved back to %s", s.Started)
	}
}
