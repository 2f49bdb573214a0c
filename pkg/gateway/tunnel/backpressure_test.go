package tunnel

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// streamer is an agent that sends, on /busy?id=ID, 32 KiB chunks as fast as its reader
// takes them (a chatty watch or `logs -f`), counting what each stream got out, and answers
// /get at once.
type streamer struct {
	mu   sync.Mutex
	sent map[string]*atomic.Int64
}

func (s *streamer) counter(id string) *atomic.Int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent[id] == nil {
		s.sent[id] = &atomic.Int64{}
	}
	return s.sent[id]
}

func (s *streamer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/get" {
		fmt.Fprint(w, `{"kind":"Namespace"}`)
		return
	}
	n := s.counter(r.URL.Query().Get("id"))
	chunk := make([]byte, 32*1024)
	rc := http.NewResponseController(w)
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		_ = rc.Flush()
		n.Add(int64(len(chunk)))
	}
}

// Three stalled streams (their readers stopped) and three busy ones (read flat out) share
// the tunnel with 100 concurrent GETs: every GET completes quickly, the busy streams keep
// flowing, and a stalled stream's sender is held back by its own window (back-pressure per
// stream) instead of filling memory or the tunnel.
func TestNoStarvation(t *testing.T) {
	reg := NewRegistry(nil)
	srv := hubFor(t, reg, "prod", "agent-token", Config{}, nil)
	agent := &streamer{sent: map[string]*atomic.Int64{}}
	agentServing(t, hubConfig(srv, "agent-token"), "prod", Config{}, agent)
	waitFor(t, 5*time.Second, "the tunnel", func() bool { _, ok := reg.Since("prod"); return ok })
	rt, _ := reg.RoundTripper("prod")

	open := func(id string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, "http://agent/busy?id="+id, nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatalf("stream %s: %v", id, err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	var busyRead atomic.Int64
	for i := range 3 {
		open(fmt.Sprintf("stalled-%d", i)) // never read
		resp := open(fmt.Sprintf("busy-%d", i))
		go func() { n, _ := io.Copy(io.Discard, resp.Body); busyRead.Add(n) }()
	}
	time.Sleep(300 * time.Millisecond) // the streams fill their windows

	busyBefore := agent.counter("busy-0").Load()
	latencies := make([]time.Duration, 100)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range latencies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if got, err := get(t, rt, "/get"); err != nil || got != `{"kind":"Namespace"}` {
				t.Errorf("GET %d: %q, %v", i, got, err)
			}
			latencies[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	all := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("100 concurrent GETs beside 3 stalled and 3 busy streams: all done in %s, p50 %s, max %s",
		all.Round(time.Millisecond), latencies[50].Round(time.Microsecond), latencies[99].Round(time.Microsecond))
	if latencies[99] > 5*time.Second {
		t.Errorf("slowest GET took %s: starved", latencies[99])
	}
	if busyAfter := agent.counter("busy-0").Load(); busyAfter <= busyBefore {
		t.Errorf("busy stream stopped: %d bytes before the GETs, %d after", busyBefore, busyAfter)
	}
	// yamux's window (256 KiB) plus what sits in the HTTP layers of both ends.
	const limit = 1 << 20
	for i := range 3 {
		id := fmt.Sprintf("stalled-%d", i)
		if n := agent.counter(id).Load(); n > limit {
			t.Errorf("stream %s sent %d bytes nobody read: no back-pressure (limit %d)", id, n, limit)
		}
	}
	t.Logf("stalled streams held at %d bytes each; busy streams moved %d MiB",
		agent.counter("stalled-0").Load(), (agent.counter("busy-0").Load()+agent.counter("busy-1").Load()+agent.counter("busy-2").Load())>>20)
}
