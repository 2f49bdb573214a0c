package tunnel

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

// Event is a change of a cluster's tunnel, for whoever tracks which agents are connected.
type Event struct {
	Cluster string
	// Connected is true when a tunnel was attached (Replaced: in place of another), false
	// when the cluster's tunnel ended and none replaced it.
	Connected bool
	Replaced  bool
	// At is when it happened: for a connection, the start of "connected since".
	At time.Time
}

// Registry holds the tunnel of each cluster whose agent is connected to this gateway.
type Registry struct {
	mu      sync.Mutex
	tunnels map[string]*held
	onEvent func(Event)
	// version counts the changes of the set of tunnels (Snapshot).
	version uint64
}

type held struct {
	session   *yamux.Session
	transport *http.Transport
	since     time.Time
}

// NewRegistry returns an empty registry. onEvent, if set, is called for every Event in
// order, with the registry locked: it must return quickly and not call the registry.
func NewRegistry(onEvent func(Event)) *Registry {
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	return &Registry{tunnels: map[string]*held{}, onEvent: onEvent}
}

// Attach makes s cluster's tunnel, closing the one it replaces (a second connection of the
// same agent wins: the first is likely dead on a path that has not noticed yet). s is
// forgotten when it closes.
func (r *Registry) Attach(cluster string, s *yamux.Session) {
	h := &held{session: s, transport: transportOver(s), since: time.Now()}
	r.mu.Lock()
	old := r.tunnels[cluster]
	r.tunnels[cluster] = h
	r.version++
	r.onEvent(Event{Cluster: cluster, Connected: true, Replaced: old != nil, At: h.since})
	r.mu.Unlock()
	if old != nil {
		old.close()
	}
	go func() {
		<-s.CloseChan()
		h.transport.CloseIdleConnections()
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.tunnels[cluster] == h {
			delete(r.tunnels, cluster)
			r.version++
			r.onEvent(Event{Cluster: cluster, At: time.Now()})
		}
	}()
}

// RoundTripper is the transport through cluster's tunnel: plain HTTP/1.1 to the agent, one
// yamux stream per connection.
func (r *Registry) RoundTripper(cluster string) (http.RoundTripper, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.tunnels[cluster]
	if !ok {
		return nil, false
	}
	return h.transport, true
}

// Since is when cluster's current tunnel was attached; false when it has none.
func (r *Registry) Since(cluster string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.tunnels[cluster]
	if !ok {
		return time.Time{}, false
	}
	return h.since, true
}

// Connected lists the clusters with a tunnel and since when.
func (r *Registry) Connected() map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]time.Time, len(r.tunnels))
	for c, h := range r.tunnels {
		out[c] = h.since
	}
	return out
}

// Snapshot is Connected with a version that changes whenever the set does: a reader that
// holds the same version holds the same set.
func (r *Registry) Snapshot() (map[string]time.Time, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]time.Time, len(r.tunnels))
	for c, h := range r.tunnels {
		out[c] = h.since
	}
	return out, r.version
}

// Close closes every tunnel.
func (r *Registry) Close() {
	r.mu.Lock()
	all := make([]*held, 0, len(r.tunnels))
	for _, h := range r.tunnels {
		all = append(all, h)
	}
	r.mu.Unlock()
	for _, h := range all {
		h.close()
	}
}

func (h *held) close() {
	_ = h.session.Close()
	h.transport.CloseIdleConnections()
}

// transportOver carries HTTP/1.1 over s's streams. Keep-alive reuses a stream for the next
// request; compression is left to the two ends.
func transportOver(s *yamux.Session) *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return s.Open()
		},
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}
