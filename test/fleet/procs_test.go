package fleet

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

// proc is one process this benchmark started (directly, or through envtest).
type proc struct {
	pid  int
	comm string
}

// procStat is what /proc/<pid>/stat says of a process.
type procStat struct {
	comm  string
	state string
	ppid  int
	cpu   float64 // user+system seconds
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[end+2:])
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return procStat{comm: s[open+1 : end], state: f[0], ppid: ppid, cpu: (utime + stime) / clockTicks}, nil
}

// rssMiB is VmRSS of pid.
func rssMiB(pid int) (float64, error) { return testenv.ProcMemMiB(pid, "VmRSS") }

// children are the live (not zombie) processes whose parent is this process.
func children() []proc {
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.ppid != self || st.state == "Z" {
			continue
		}
		out = append(out, proc{pid: pid, comm: st.comm})
	}
	return out
}

// started records every process the benchmark started, so that they are stopped by pid
// however it ends, and checked at the end.
type started struct {
	mu    sync.Mutex
	procs []proc
}

// adopt records the children that appeared since before (envtest's etcd, kube-apiserver
// and testenv's kube-controller-manager), and returns them.
func (s *started) adopt(before []proc) []proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	var added []proc
	for _, c := range children() {
		if !slices.Contains(before, c) && !slices.Contains(s.procs, c) {
			s.procs = append(s.procs, c)
			added = append(added, c)
		}
	}
	return added
}

func (s *started) add(p proc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs = append(s.procs, p)
}

// alive are the recorded processes still running (same pid, same name, still our child).
func (s *started) alive() []proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	self := os.Getpid()
	var out []proc
	for _, p := range s.procs {
		if st, err := readStat(p.pid); err == nil && st.comm == p.comm && st.ppid == self && st.state != "Z" {
			out = append(out, p)
		}
	}
	return out
}

// killAll sends SIGKILL to every recorded process still alive, by pid.
func (s *started) killAll() {
	for _, p := range s.alive() {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
}

// guard makes sure no process outlives the benchmark: on an interrupt or shortly before
// go test's -timeout would panic (which runs no cleanup), it kills every recorded process
// by pid; at the end (b.Cleanup, registered first so it runs last) it fails the benchmark
// if a recorded process, or any child of this process, is still there.
func (s *started) guard(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var deadline <-chan time.Time
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > time.Minute {
			deadline = time.After(d - 30*time.Second)
		}
	}
	go func() {
		select {
		case <-ctx.Done():
			return
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "fleet: %v: killing the processes it started\n", sig)
			s.killAll()
			os.Exit(2)
		case <-deadline:
			fmt.Fprintln(os.Stderr, "fleet: -timeout is near: killing the processes it started")
			s.killAll()
		}
	}()
	b.Cleanup(func() {
		cancel()
		signal.Stop(sigs)
		// Processes being stopped may take a moment to be reaped.
		var left []proc
		for range 50 {
			left = s.alive()
			for _, c := range children() {
				if !slices.Contains(left, c) {
					left = append(left, c)
				}
			}
			if len(left) == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		s.mu.Lock()
		n := len(s.procs)
		s.mu.Unlock()
		if len(left) > 0 {
			s.killAll()
			b.Errorf("processes left running after the benchmark (now killed by pid): %v", left)
			return
		}
		fmt.Printf("\nprocess check: all %d processes the benchmark started are gone (by pid; no child of pid %d left)\n", n, os.Getpid())
	})
}

// sample is the CPU and memory of one process at one moment.
type sample struct {
	at  time.Time
	cpu float64
	rss float64
}

func sampleOf(pid int) (sample, error) {
	st, err := readStat(pid)
	if err != nil {
		return sample{}, err
	}
	rss, err := rssMiB(pid)
	return sample{at: time.Now(), cpu: st.cpu, rss: rss}, err
}

// writes reads the hub API server's apiserver_request_total and sums the write verbs
// (POST, PUT, PATCH, APPLY), in total and by resource.
func writes(ctx context.Context, cfg *rest.Config) (float64, map[string]float64, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return 0, nil, err
	}
	raw, err := dc.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, nil, err
	}
	return parseWrites(bytes.NewReader(raw))
}

func parseWrites(r io.Reader) (float64, map[string]float64, error) {
	byResource := map[string]float64{}
	total := 0.0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		labels := map[string]string{}
		for _, kv := range strings.Split(line[len("apiserver_request_total{"):end], ",") {
			k, v, _ := strings.Cut(kv, "=")
			labels[k] = strings.Trim(v, `"`)
		}
		switch labels["verb"] {
		case "POST", "PUT", "PATCH", "APPLY":
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			return 0, nil, err
		}
		res := labels["resource"]
		if sub := labels["subresource"]; sub != "" {
			res += "/" + sub
		}
		byResource[res] += v
		total += v
	}
	return total, byResource, sc.Err()
}

// logTail is the end of a log file, for failure messages.
func logTail(path string, n int) string {
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return err.Error()
	}
	if len(data) > n {
		data = data[len(data)-n:]
	}
	return string(data)
}
