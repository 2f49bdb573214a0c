// Package fleet is `make bench-fleet`: one hub (a real kube-apiserver and etcd, and the hub
// component bin/webhook as a separate process) with thousands of simulated clusters, in agent
// mode (every agent's own hub identity, heartbeat and status writes, in this process) and in
// direct mode (the reconciler probing simulated downstream API servers, 10 % of them hanging).
package fleet

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/uuid"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
)

// settings of one run, from the environment (the Makefile sets FLEET_SIZES).
type settings struct {
	sizes       []int
	direct      int           // 0: no direct-mode run
	heartbeat   time.Duration // the agents' renewal interval: a third of the grace the hub publishes
	grace       time.Duration
	steady      time.Duration
	toActive    time.Duration
	registerers int
}

func load(b *testing.B) settings {
	s := settings{sizes: []int{1000}, direct: 1000,
		grace: controller.DefaultHeartbeatGrace, steady: 60 * time.Second, toActive: 25 * time.Minute, registerers: 16}
	if v := os.Getenv("FLEET_SIZES"); v != "" {
		s.sizes = nil
		for _, f := range strings.Fields(v) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 10 {
				b.Fatalf("FLEET_SIZES: %q is not a size of at least 10", f)
			}
			s.sizes = append(s.sizes, n)
		}
	}
	if v := os.Getenv("FLEET_DIRECT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("FLEET_DIRECT: %v", err)
		}
		s.direct = n
	}
	for env, d := range map[string]*time.Duration{"FLEET_GRACE": &s.grace, "FLEET_STEADY": &s.steady, "FLEET_ACTIVE_TIMEOUT": &s.toActive} {
		if v := os.Getenv(env); v != "" {
			var err error
			if *d, err = time.ParseDuration(v); err != nil {
				b.Fatalf("%s: %v", env, err)
			}
		}
	}
	s.heartbeat = heartbeat.Of(s.grace).Interval()
	return s
}

// row is one line of the fleet table.
type row struct {
	mode                   string
	n                      int
	register, toActive     time.Duration
	activeOf               string
	api, comp              sample
	apiCores, compCores    float64
	writesPerSec           float64
	topWrites              string
	unavailMax, unavailP50 time.Duration
	unavailOf              string
	falseUnavailable       int
	restartWrong           int
	note                   string
}

// BenchmarkFleet runs the fleet scenarios once each (-benchtime 1x): agent mode at each of
// $FLEET_SIZES (default 1000), then direct mode at $FLEET_DIRECT (default 1000; 0 skips it),
// each against a hub of its own, and prints the table README.md's performance section shows.
// Every process it starts is stopped by pid, also on failure, and checked at the end.
func BenchmarkFleet(b *testing.B) {
	procs := &started{}
	procs.guard(b) // first: its cleanup runs last
	s := load(b)
	ctrl.SetLogger(logr.Discard())
	log.SetLogger(logr.Discard())
	b.Setenv("XDG_CONFIG_HOME", b.TempDir())
	fmt.Printf("fleet: agent heartbeat %s, hub --agent-heartbeat-grace %s, agent sync %s, hub probe interval %s and timeout %s (all defaults unless set by FLEET_*), steady window %s\n",
		s.heartbeat, s.grace, agentrun.DefaultSyncInterval, controller.DefaultProbeInterval, controller.DefaultProbeTimeout, s.steady)
	var rows []row
	for _, n := range s.sizes {
		b.Run(fmt.Sprintf("agent-%d", n), func(b *testing.B) { rows = append(rows, agentMode(b, procs, s, n)) })
	}
	if s.direct > 0 {
		b.Run(fmt.Sprintf("direct-%d", s.direct), func(b *testing.B) { rows = append(rows, directMode(b, procs, s, s.direct)) })
	}
	printTable(rows)
}

func agentMode(b *testing.B, procs *started, s settings, n int) row {
	h := startHub(b, procs, s.grace)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	obs := observe(ctx, h.admin)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(v1alpha1.GroupVersion.WithKind("ImportedCluster"), meta.RESTScopeRoot)
	p := agentParams{host: h.cluster.Config.Host, caData: h.cluster.Config.CAData, mapper: mapper, sync: agentrun.DefaultSyncInterval}

	names := make([]string, n)
	ids, tokens := make([]string, n), make([]string, n)
	agents := make([]*simAgent, n)
	b.Cleanup(func() { // before the hub stops (cleanups run last-in first-out)
		testenv.Parallel(64, n, func(i int) error {
			if agents[i] != nil {
				agents[i].stop()
			}
			return nil
		})
	})
	t0 := time.Now()
	err := testenv.Parallel(s.registerers, n, func(i int) error {
		names[i], ids[i] = fmt.Sprintf("fleet-%05d", i), string(uuid.NewUUID())
		var err error
		tokens[i], err = registerAgentCluster(ctx, h.admin, names[i], ids[i])
		return err
	})
	if err != nil {
		b.Fatalf("registering %d agent-mode clusters: %v", n, err)
	}
	r := row{mode: "agent", n: n, register: time.Since(t0)}
	fmt.Printf("agent-%d: %d clusters registered in %s (%.1f a second, %d at a time)\n", n, n, r.register.Round(time.Second), float64(n)/r.register.Seconds(), s.registerers)

	// Every agent starts at once, as after a hub is restored or a fleet is imported together.
	t1 := time.Now()
	for i := range n {
		if agents[i], err = startAgent(ctx, p, names[i], ids[i], tokens[i]); err != nil {
			b.Fatalf("starting the agent of %s: %v", names[i], err)
		}
	}
	last, got := obs.waitAll(names, v1alpha1.PhaseActive, s.toActive)
	if got < n {
		b.Fatalf("agent-%d: %d of %d Active %s after their agents started (%s)", n, got, n, s.toActive, obs.summary(names))
	}
	r.toActive, r.activeOf = last.Sub(t1), "all"
	fmt.Printf("agent-%d: all Active %s after their %d agents started together (%.1f turned Active per second)\n", n, r.toActive.Round(time.Second), n, obs.rate(names, v1alpha1.PhaseActive))
	fmt.Printf("fleet %d: active after %.0f s\n", n, r.toActive.Seconds())

	// Steady state, once the agents' first syncs are over.
	time.Sleep(agentrun.DefaultSyncInterval)
	r.measureSteady(b, h, s.steady)
	r.reportAgents(agents)

	// Stop every tenth agent, as if its process died or its network went.
	var stopped, running []string
	stopAt := map[string]time.Time{}
	obs.resetFirst()
	var mu sync.Mutex
	_ = testenv.Parallel(64, n, func(i int) error {
		if i%10 != 0 {
			return nil
		}
		at := time.Now()
		agents[i].stop()
		mu.Lock()
		stopAt[names[i]] = at
		mu.Unlock()
		return nil
	})
	for i, name := range names {
		if i%10 == 0 {
			stopped = append(stopped, name)
		} else {
			running = append(running, name)
		}
	}
	_, unavailable := obs.waitAll(stopped, v1alpha1.PhaseUnavailable, s.grace+s.heartbeat+2*time.Minute)
	// Keep watching the rest for a further reconnect grace and heartbeat grace: a false
	// Unavailable would show.
	time.Sleep(liveness.ReconnectGrace + s.heartbeat)
	var lat []time.Duration
	for _, name := range stopped {
		if t, ok := obs.firstOf(name, v1alpha1.PhaseUnavailable); ok {
			lat = append(lat, t.Sub(stopAt[name]))
		}
	}
	r.falseUnavailable = wronglyUnavailable(obs, running)
	slices.Sort(lat)
	r.unavailOf = fmt.Sprintf("%d/%d", unavailable, len(stopped))
	if len(lat) > 0 {
		r.unavailMax, r.unavailP50 = lat[len(lat)-1], lat[len(lat)/2]
	}
	fmt.Printf("agent-%d: %s stopped agents shown Unavailable, max %s p50 %s after their stop (target: 30s); wrongly not Active among the other %d: %d\n",
		n, r.unavailOf, r.unavailMax.Round(100*time.Millisecond), r.unavailP50.Round(100*time.Millisecond), len(running), r.falseUnavailable)
	if unavailable < len(stopped) {
		b.Errorf("agent-%d: only %d of %d stopped agents shown Unavailable", n, unavailable, len(stopped))
	}

	// A restart of the hub replica that holds every tunnel: each agent reconnects, none may
	// show Unavailable.
	obs.resetFirst()
	restartAt := time.Now()
	h.restart(b, procs, 1) // the reconciler with the gateway
	fmt.Printf("agent-%d: the reconciler's replica restarted in %s; watching the %d running clusters\n", n, time.Since(restartAt).Round(100*time.Millisecond), len(running))
	time.Sleep(liveness.StartupGrace + liveness.ReconnectGrace + s.heartbeat)
	r.restartWrong = wronglyUnavailable(obs, running)
	fmt.Printf("agent-%d: wrongly not Active after the restart: %d of %d\n", n, r.restartWrong, len(running))

	fmt.Printf("fleet %d: hub writes per second: %.1f\n", n, r.writesPerSec)
	fmt.Printf("fleet %d: kube-apiserver cores: %.2f, rss: %.0f MiB\n", n, r.apiCores, r.api.rss)
	fmt.Printf("fleet %d: hub component rss: %.0f MiB\n", n, r.comp.rss)
	fmt.Printf("fleet %d: unavailable detected max: %.1f s\n", n, r.unavailMax.Seconds())
	fmt.Printf("fleet %d: wrongly unavailable: %d\n", n, r.falseUnavailable+r.restartWrong)
	return r
}

// wronglyUnavailable counts the clusters of names that showed Unavailable since the
// observer's last mark, or are not Active now.
func wronglyUnavailable(obs *observer, names []string) int {
	wrong := 0
	for _, name := range names {
		if _, ok := obs.firstOf(name, v1alpha1.PhaseUnavailable); ok || obs.phaseOf(name) != v1alpha1.PhaseActive {
			wrong++
		}
	}
	return wrong
}

func directMode(b *testing.B, procs *started, s settings, n int) row {
	h := startHub(b, procs, s.grace)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	obs := observe(ctx, h.admin)
	clusterID := func(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
	hangs := func(i int) bool { return i%10 == 0 }
	ds, err := startDownstreams(n, clusterID, hangs)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ds.close)
	names := make([]string, n)
	var healthy, hanging []int
	t0 := time.Now()
	err = testenv.Parallel(s.registerers, n, func(i int) error {
		names[i] = fmt.Sprintf("direct-%05d", i)
		return registerDirectCluster(ctx, h.admin, names[i], clusterID(i), ds.url(i), ds.caPEM())
	})
	if err != nil {
		b.Fatalf("registering %d direct-mode clusters: %v", n, err)
	}
	r := row{mode: "direct, 10 % hang", n: n, register: time.Since(t0)}
	var healthyNames []string
	for i := range n {
		if hangs(i) {
			hanging = append(hanging, i)
		} else {
			healthy = append(healthy, i)
			healthyNames = append(healthyNames, names[i])
		}
	}
	fmt.Printf("direct-%d: %d clusters registered (credentials Secrets included) in %s\n", n, n, r.register.Round(time.Second))
	last, got := obs.waitAll(healthyNames, v1alpha1.PhaseActive, s.toActive)
	if got < len(healthyNames) {
		b.Fatalf("direct-%d: %d of the %d reachable clusters Active after %s (%s)", n, got, len(healthyNames), s.toActive, obs.summary(healthyNames))
	}
	r.toActive, r.activeOf = last.Sub(t0), "the 90 % reachable"
	fmt.Printf("direct-%d: the %d reachable clusters Active %s after the first registration (%.1f turned Active per second)\n", n, len(healthyNames), r.toActive.Round(time.Second), obs.rate(healthyNames, v1alpha1.PhaseActive))

	probes := func(idx []int) int64 {
		var sum int64
		for _, i := range idx {
			sum += ds.probes[i].Load()
		}
		return sum
	}
	h0, g0 := probes(healthy), probes(hanging)
	window := r.measureSteady(b, h, s.steady)
	h1, g1 := probes(healthy), probes(hanging)
	perHealthy := float64(h1-h0) / float64(len(healthy))
	period := "none"
	if perHealthy > 0 {
		period = (time.Duration(float64(window) / perHealthy)).Round(time.Second).String()
	}
	r.note = fmt.Sprintf("each reachable cluster probed every %s on average (configured %s); %d probes of hanging clusters in the window",
		period, controller.DefaultProbeInterval, g1-g0)
	fmt.Printf("direct-%d: %s\n", n, r.note)
	fmt.Printf("fleet direct %d: active after %.0f s (the 90 %% reachable)\n", n, r.toActive.Seconds())
	fmt.Printf("fleet direct %d: hub writes per second: %.1f\n", n, r.writesPerSec)
	fmt.Printf("fleet direct %d: kube-apiserver cores: %.2f, rss: %.0f MiB\n", n, r.apiCores, r.api.rss)
	fmt.Printf("fleet direct %d: hub component rss: %.0f MiB\n", n, r.comp.rss)
	if u := ds.unknownPaths(); len(u) > 0 {
		fmt.Printf("direct-%d: requests the simulated downstreams do not answer (404): %v\n", n, u)
	}
	return r
}

// measureSteady samples the hub's processes and write counters over window and returns the
// window's real length.
func (r *row) measureSteady(b *testing.B, h *hub, window time.Duration) time.Duration {
	api0, comp0 := h.usage(b)
	w0, by0 := h.writes(b)
	time.Sleep(window)
	api1, comp1 := h.usage(b)
	w1, by1 := h.writes(b)
	d := api1.at.Sub(api0.at)
	r.api, r.comp = api1, comp1
	r.apiCores = (api1.cpu - api0.cpu) / d.Seconds()
	r.compCores = (comp1.cpu - comp0.cpu) / d.Seconds()
	r.writesPerSec = (w1 - w0) / d.Seconds()
	type kv struct {
		k string
		v float64
	}
	var top []kv
	for k, v := range by1 {
		if dv := v - by0[k]; dv > 0 {
			top = append(top, kv{k, dv / d.Seconds()})
		}
	}
	slices.SortFunc(top, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
	var parts []string
	for _, t := range top[:min(3, len(top))] {
		parts = append(parts, fmt.Sprintf("%s %.1f", t.k, t.v))
	}
	r.topWrites = strings.Join(parts, ", ")
	fmt.Printf("%s-%d steady %s: kube-apiserver %.2f cores (%.0f CPU s in all), RSS %.0f MiB; hub component %.2f cores (%.0f CPU s), RSS %.0f MiB; hub writes %.1f/s (%s)\n",
		strings.TrimSuffix(strings.Fields(r.mode)[0], ","), r.n, d.Round(time.Second), r.apiCores, api1.cpu, api1.rss, r.compCores, comp1.cpu, comp1.rss, r.writesPerSec, r.topWrites)
	return d
}

func printTable(rows []row) {
	fmt.Printf("\n| mode | clusters | registration | until Active | kube-apiserver CPU (steady cores / total s) | kube-apiserver RSS | hub component CPU (steady cores / total s) | hub component RSS | hub writes/s (steady) | 10 %% agents stopped: Unavailable after (max / p50) | wrongly Unavailable |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		unavail, wrong := "—", "—"
		if r.unavailOf != "" {
			unavail = fmt.Sprintf("%s / %s (%s)", r.unavailMax.Round(100*time.Millisecond), r.unavailP50.Round(100*time.Millisecond), r.unavailOf)
			wrong = fmt.Sprintf("%d (%d after a hub replica restart)", r.falseUnavailable+r.restartWrong, r.restartWrong)
		}
		fmt.Printf("| %s | %d | %s | %s (%s) | %.2f / %.0f s | %.0f MiB | %.2f / %.0f s | %.0f MiB | %.0f (%s) | %s | %s |\n",
			r.mode, r.n, r.register.Round(time.Second), r.toActive.Round(time.Second), r.activeOf, r.apiCores, r.api.cpu, r.api.rss,
			r.compCores, r.comp.cpu, r.comp.rss, r.writesPerSec, r.topWrites, unavail, wrong)
	}
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("\n%s %d: %s\n", r.mode, r.n, r.note)
		}
	}
}
