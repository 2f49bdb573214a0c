package admission_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// clockTicks is the kernel's USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuTime is the user+system CPU time process pid has used.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// After "(comm)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// webhookRequests is how many admission requests the webhook process has served, from its own
// metrics (controller_runtime_webhook_requests_total).
func webhookRequests(b *testing.B, metricsPort int) float64 {
	b.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "controller_runtime_webhook_requests_total{") {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			total += v
		}
	}
	return total
}

// histogram is a cumulative Prometheus histogram: upper bound (seconds) → count.
type histogram map[float64]float64

// admissionHistogram is the hub API server's own
// apiserver_admission_webhook_admission_duration_seconds for the kimport webhook (every
// operation and outcome summed), read from its /metrics.
func admissionHistogram(b *testing.B, hub kubernetes.Interface) histogram {
	b.Helper()
	raw, err := hub.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		b.Fatalf("reading the hub API server's /metrics: %v", err)
	}
	h := histogram{}
	prefix := "apiserver_admission_webhook_admission_duration_seconds_bucket{"
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, prefix) || !strings.Contains(line, `name="`+importer.WebhookName+`"`) {
			continue
		}
		i := strings.Index(line, `le="`)
		if i < 0 {
			continue
		}
		leText := line[i+4 : i+4+strings.IndexByte(line[i+4:], '"')]
		le := math.Inf(1)
		if leText != "+Inf" {
			le, _ = strconv.ParseFloat(leText, 64)
		}
		v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		h[le] += v
	}
	return h
}

// minus is h less an earlier reading.
func (h histogram) minus(earlier histogram) histogram {
	out := histogram{}
	for le, v := range h {
		out[le] = v - earlier[le]
	}
	return out
}

// quantile interpolates within the bucket holding q, as PromQL's histogram_quantile does.
func (h histogram) quantile(q float64) float64 {
	bounds := make([]float64, 0, len(h))
	for le := range h {
		bounds = append(bounds, le)
	}
	sort.Float64s(bounds)
	if len(bounds) == 0 || h[bounds[len(bounds)-1]] == 0 {
		return math.NaN()
	}
	rank := q * h[bounds[len(bounds)-1]]
	prevBound, prevCount := 0.0, 0.0
	for _, le := range bounds {
		if h[le] >= rank {
			if math.IsInf(le, 1) {
				return prevBound
			}
			return prevBound + (le-prevBound)*(rank-prevCount)/(h[le]-prevCount)
		}
		prevBound, prevCount = le, h[le]
	}
	return prevBound
}

// webhookConnections counts the established TCP connections to the webhook's port (as the
// server sees them in /proc/net/tcp): with HTTP/2 the API server multiplexes its calls, so the
// count stays flat whatever the number of concurrent writers.
func webhookConnections(b *testing.B, port int) int {
	b.Helper()
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			// sl local_address rem_address st ...; st 01 is ESTABLISHED
			if len(f) > 3 && f[3] == "01" && strings.HasSuffix(f[1], fmt.Sprintf(":%04X", port)) {
				n++
			}
		}
	}
	return n
}

// cpuProfile writes a 20 s CPU profile of the webhook process (its --pprof-bind-address) to
// $KIMPORT_BENCH_PROFILE, when set: where the CPU per admission goes besides the handler.
func cpuProfile(b *testing.B, pprofPort int) {
	out := os.Getenv("KIMPORT_BENCH_PROFILE")
	if out == "" {
		return
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=20", pprofPort))
	if err != nil {
		b.Errorf("profiling the webhook: %v", err)
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(out, data, 0o600)
	}
	if err != nil {
		b.Errorf("writing the webhook's profile: %v", err)
	}
}
