// Package liveness tells whether a cluster's agent is alive from what the hub sees of it: the
// tunnel the agent holds open to a replica of the hub gateway, and, while it holds none, the
// renewals of its heartbeat Lease (pkg/heartbeat). A connected agent writes nothing to be known
// alive, so the hub API server's write load does not grow with the fleet (the model of
// Rancher's and argocd-agent's agents). Pure: times are passed in.
package liveness

import (
	"maps"
	"sync"
	"time"
)

// Tunnels is what one hub replica knows of the agents' tunnels: those it holds itself and,
// as last read, those each other replica holds. For every cluster no replica holds any more
// it keeps when that was first seen. Safe for concurrent use.
type Tunnels struct {
	mu      sync.Mutex
	started time.Time
	// held is, per replica, the clusters whose tunnel it holds and since when.
	held map[string]map[string]time.Time
	// down is when each cluster's last tunnel was seen gone.
	down     map[string]time.Time
	onChange func(cluster string)
}

// NewTunnels starts an empty record at now.
func NewTunnels(now time.Time) *Tunnels {
	return &Tunnels{started: now, held: map[string]map[string]time.Time{}, down: map[string]time.Time{}, onChange: func(string) {}}
}

// Notify has onChange called with each cluster whose tunnel appears or goes (held by no
// replica any more) from now on, with the record locked: it must return at once and not call
// the record.
func (t *Tunnels) Notify(onChange func(cluster string)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onChange = onChange
}

// State is what the hub knows of one cluster's tunnel.
type State struct {
	// Connected: a replica holds its tunnel, since Since.
	Connected bool
	Since     time.Time
	// Down is when its last tunnel was seen gone; zero while connected, or when none was
	// seen since Started.
	Down time.Time
	// Started is when the record began (the hub replica started), or when its gateway first
	// served (Serving).
	Started time.Time
}

// Serving restarts the start-up grace at now, when this replica's gateway first serves: agents
// can reattach only from then, and a replica slow to start (caches of thousands of clusters)
// must not spend the grace before any agent could come back.
func (t *Tunnels) Serving(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.After(t.started) {
		t.started = now
	}
}

// State is cluster's state.
func (t *Tunnels) State(cluster string) State {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := State{Started: t.started, Down: t.down[cluster]}
	for _, held := range t.held {
		if since, ok := held[cluster]; ok && (!s.Connected || since.Before(s.Since)) {
			s.Connected, s.Since = true, since
		}
	}
	if s.Connected {
		s.Down = time.Time{}
	}
	return s
}

// Attached records that replica holds cluster's tunnel since since (a new tunnel, or one
// replacing another).
func (t *Tunnels) Attached(replica, cluster string, since time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.connected(cluster)
	if t.held[replica] == nil {
		t.held[replica] = map[string]time.Time{}
	}
	t.held[replica][cluster] = since
	t.settle(cluster, was, since)
}

// Detached records that replica's tunnel of cluster ended at at.
func (t *Tunnels) Detached(replica, cluster string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.connected(cluster)
	delete(t.held[replica], cluster)
	t.settle(cluster, was, at)
}

// Replace records what replica holds as read at at (another replica's whole set).
func (t *Tunnels) Replace(replica string, held map[string]time.Time, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := map[string]bool{}
	for c := range held {
		was[c] = t.connected(c)
	}
	for c := range t.held[replica] {
		was[c] = t.connected(c)
	}
	t.held[replica] = maps.Clone(held)
	if t.held[replica] == nil {
		t.held[replica] = map[string]time.Time{}
	}
	for c, w := range was {
		t.settle(c, w, at)
	}
}

// Forget drops what replica held, as gone at at: the replica stopped, or cannot be asked.
func (t *Tunnels) Forget(replica string, at time.Time) {
	t.Replace(replica, nil, at)
	t.mu.Lock()
	delete(t.held, replica)
	t.mu.Unlock()
}

// Replicas are the replicas the record holds a set of.
func (t *Tunnels) Replicas() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.held))
	for r := range t.held {
		out = append(out, r)
	}
	return out
}

func (t *Tunnels) connected(cluster string) bool {
	for _, held := range t.held {
		if _, ok := held[cluster]; ok {
			return true
		}
	}
	return false
}

// settle notes a change of cluster at at, given whether it was connected before.
func (t *Tunnels) settle(cluster string, was bool, at time.Time) {
	now := t.connected(cluster)
	switch {
	case now && !was:
		delete(t.down, cluster)
	case !now && was:
		t.down[cluster] = at
	default:
		return
	}
	t.onChange(cluster)
}
