package agentrun

import "sync"

// Link is whether the agent's tunnel to the hub gateway is up: while it is, the hub knows the
// agent alive from the tunnel itself and the heartbeat renews nothing (pkg/liveness). Its
// zero value is down. Exported, with Heartbeat, for a fleet simulator.
type Link struct {
	mu      sync.Mutex
	up      bool
	changed chan struct{}
}

// Set records the tunnel up or down (agentlink.Options.OnSession).
func (l *Link) Set(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.up == up {
		return
	}
	l.up = up
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// state is whether the tunnel is up, and a channel closed at its next change.
func (l *Link) state() (bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.up, l.changed
}
