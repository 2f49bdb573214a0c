package admission_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// BenchmarkAdmission measures ImportedCluster create and update latency through the real hub
// API server, with the webhook (bin/webhook as deployed: admission alone, a separate process
// running as the kimport-webhook ServiceAccount, called over TLS) and
// without it (no ValidatingWebhookConfiguration), at 1 and 50 concurrent writers, with 100
// and 10,000 ImportedClusters present, and the webhook's RSS with 10,000 clusters in its
// cache. At 10,000 it measures benchRounds rounds, webhook off then on, and reports medians;
// each switch of the webhook waits until the API server applies it. (testing.Benchmark cannot
// run inside a benchmark: the validator's own cost is pkg/validate's BenchmarkImportedCluster,
// which make bench runs first.) It takes fixed samples per cell, so run it once: `make bench`
// (-benchtime=1x). It prints the table README.md's performance section shows.
func BenchmarkAdmission(b *testing.B) {
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	webhookBin := filepath.Join(root, "bin", "webhook")
	if _, err := os.Stat(webhookBin); err != nil {
		b.Fatalf("%s not built: run 'make build' (make bench does)", webhookBin)
	}
	testenv.AssertNoChildrenLeft(b)
	b.Setenv("XDG_CONFIG_HOME", b.TempDir())
	ctrl.SetLogger(logr.Discard())
	hub := testenv.Start(b, testenv.Options{Name: "hub"})
	port, metricsPort, pprofPort := hubenv.FreePort(b), hubenv.FreePort(b), hubenv.FreePort(b)
	url := fmt.Sprintf("https://localhost:%d", port)
	install := func() {
		if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", url); err != nil {
			b.Fatalf("init: %v\n%s", err, out)
		}
	}
	install()
	// As deployed: admission alone, as the kimport-webhook ServiceAccount with its RBAC.
	pid := hubenv.StartWebhookProcess(b, hub, webhookBin, port, "--metrics-secure=false",
		"--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", metricsPort),
		"--pprof-bind-address", fmt.Sprintf("127.0.0.1:%d", pprofPort)).Pid()

	cfg := rest.CopyConfig(hub.Config)
	cfg.QPS, cfg.Burst = 5000, 5000
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	hubCS := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	probes := 0
	// takesEffect creates and deletes probe clusters until the API server calls the webhook
	// (on) or has stopped calling it twice running (off): it applies a configuration change a
	// moment after it is stored, and a cell measured meanwhile would be the other kind.
	takesEffect := func(on bool) {
		deadline, quiet := time.Now().Add(time.Minute), 0
		for {
			probes++
			served0 := webhookRequests(b, metricsPort)
			probe := benchCluster(fmt.Sprintf("probe-%05d", probes), nil)
			if err := c.Create(ctx, probe); err != nil {
				b.Fatal(err)
			}
			if err := c.Delete(ctx, probe); err != nil {
				b.Fatal(err)
			}
			called := webhookRequests(b, metricsPort) > served0
			if called {
				quiet = 0
			} else {
				quiet++
			}
			if (on && called) || (!on && quiet == 2) {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("the API server did not start or stop calling the webhook (on: %v) within a minute", on)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	webhookOn := func(on bool) {
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "kimport-webhook"}}
		if !on {
			if err := client.IgnoreNotFound(c.Delete(ctx, vwc)); err != nil {
				b.Fatal(err)
			}
			takesEffect(false)
			return
		}
		install()
		deadline := time.Now().Add(time.Minute)
		for { // the rotator injects the CA into the new configuration
			if err := c.Get(ctx, client.ObjectKeyFromObject(vwc), vwc); err == nil && len(vwc.Webhooks[0].ClientConfig.CABundle) > 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("CA not injected into the webhook configuration within a minute")
			}
			time.Sleep(100 * time.Millisecond)
		}
		takesEffect(true)
	}

	var rows []string
	// At the most clusters present: each round's ratios (webhook/none) of the create p50 at
	// 1 and 50 writers and of the unrelated update p50 at 50, and its CPU per admission.
	var createRatio [2][]float64
	var unrelatedRatio []float64
	var cpuPerAdmission []time.Duration
	connections := map[int]int{} // writers → webhook connections after the run
	var observed histogram
	present := 0
	for _, want := range []int{100, 10000} {
		webhookOn(false)
		err := testenv.Parallel(50, want-present, func(i int) error {
			return c.Create(ctx, benchCluster(fmt.Sprintf("present-%05d", present+i), nil))
		})
		if err != nil {
			b.Fatalf("creating %d ImportedClusters: %v", want, err)
		}
		present = want
		rounds := 1
		if want == 10000 {
			rounds = benchRounds
		}
		var cells [2][2][]cell // [webhook][writers], one per round
		for round := range rounds {
			for w, on := range []bool{false, true} {
				webhookOn(on)
				for k, writers := range []int{1, 50} {
					cpu0, served0 := cpuTime(b, pid), webhookRequests(b, metricsPort)
					hist0 := admissionHistogram(b, hubCS)
					var profiled sync.WaitGroup
					if on && writers == 50 && present == 10000 && round == 0 {
						profiled.Go(func() { cpuProfile(b, pprofPort) })
					}
					cells[w][k] = append(cells[w][k], measure(b, c, writers, map[int]int{1: 300, 50: 1500}[writers]))
					profiled.Wait()
					if on {
						connections[writers] = webhookConnections(b, port)
					}
					if on && writers == 50 && present == 10000 {
						if served := webhookRequests(b, metricsPort) - served0; served > 0 {
							cpuPerAdmission = append(cpuPerAdmission, (cpuTime(b, pid)-cpu0)/time.Duration(served))
						}
						if round == 0 {
							observed = admissionHistogram(b, hubCS).minus(hist0)
						}
					}
					if err := c.DeleteAllOf(ctx, &v1alpha1.ImportedCluster{}, client.MatchingLabels{"bench": "sample"}); err != nil {
						b.Fatal(err)
					}
				}
			}
			if present == 10000 {
				for k := range 2 {
					createRatio[k] = append(createRatio[k], cells[1][k][round].create.p50/cells[0][k][round].create.p50)
				}
				unrelatedRatio = append(unrelatedRatio, cells[1][1][round].unrelated.p50/cells[0][1][round].unrelated.p50)
			}
		}
		for k, writers := range []int{1, 50} {
			off, on := medianCell(cells[0][k]), medianCell(cells[1][k])
			rows = append(rows, fmt.Sprintf("| %d | %d | %s | %s | %s | %s | %s | %s | %+.2f ms |",
				present, writers, off.create, on.create, off.update, on.update, off.unrelated, on.unrelated, on.create.p99-off.create.p99))
		}
	}
	rss := rssMiB(b, pid)

	fmt.Printf("\n| clusters present | writers | create, no webhook (p50/p99) | create, webhook | update, no webhook | update, webhook | unrelated update, no webhook | unrelated update, webhook | webhook adds (create p99) |\n|---|---|---|---|---|---|---|---|---|\n%s\n",
		strings.Join(rows, "\n"))
	// At 50 writers and the most clusters present; CPU per admission is the webhook process's
	// CPU seconds over the requests it served (its own controller_runtime_webhook_requests_total).
	fmt.Printf("\nat %d clusters present, the median of %d rounds, each webhook off then on:\n", present, benchRounds)
	fmt.Printf("webhook cpu per admission: %d µs (rounds: %v)\n", median(cpuPerAdmission).Microseconds(), roundsOf(cpuPerAdmission))
	fmt.Printf("create p50 ratio (webhook/none) at 1 writer: %.2f (rounds: %v)\n", median(createRatio[0]), roundsOf(createRatio[0]))
	fmt.Printf("create p50 ratio (webhook/none) at 50 writers: %.2f (rounds: %v)\n", median(createRatio[1]), roundsOf(createRatio[1]))
	fmt.Printf("unrelated update p50 ratio (webhook/none) at 50 writers: %.2f\n", median(unrelatedRatio))
	fmt.Printf("apiserver-observed webhook p99: %.1f ms\n", observed.quantile(0.99)*1000)
	fmt.Printf("webhook connections from the API server after 1 writer: %d, after 50 writers: %d\n", connections[1], connections[50])
	fmt.Printf("\nwebhook RSS with %d ImportedClusters cached: %.1f MiB (the validator's cost: pkg/validate's BenchmarkImportedCluster)\n", present, rss)
	b.ReportMetric(rss, "webhook-MiB")
}

// benchRounds is how many times the cells at 10,000 clusters are measured, webhook off then on
// each time: every figure is the median of the rounds', so that load from elsewhere on the
// machine, which comes and goes, weighs on both alike.
const benchRounds = 5

func median[T cmp.Ordered](xs []T) T {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// roundsOf lists each round's figure, rounded, in the order measured.
func roundsOf[T float64 | time.Duration](xs []T) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		switch x := any(x).(type) {
		case float64:
			out[i] = fmt.Sprintf("%.2f", x)
		case time.Duration:
			out[i] = fmt.Sprint(x.Microseconds())
		}
	}
	return strings.Join(out, " ")
}

// medianCell is the median over rounds of each quantile of each kind of write.
func medianCell(cs []cell) cell {
	pick := func(f func(cell) float64) float64 {
		xs := make([]float64, len(cs))
		for i, c := range cs {
			xs[i] = f(c)
		}
		return median(xs)
	}
	return cell{
		create:    quantiles{pick(func(c cell) float64 { return c.create.p50 }), pick(func(c cell) float64 { return c.create.p99 })},
		update:    quantiles{pick(func(c cell) float64 { return c.update.p50 }), pick(func(c cell) float64 { return c.update.p99 })},
		unrelated: quantiles{pick(func(c cell) float64 { return c.unrelated.p50 }), pick(func(c cell) float64 { return c.unrelated.p99 })},
	}
}

type quantiles struct{ p50, p99 float64 }

func (q quantiles) String() string { return fmt.Sprintf("%.2f / %.2f ms", q.p50, q.p99) }

type cell struct{ create, update, unrelated quantiles }

// runs counts measure's runs.
var runs int

// measure has writers goroutines create n sample clusters between them and update each once,
// returning the latency quantiles of each kind of write. Every run uses new clusterIDs: the
// webhook's cache may still hold the samples of the run before, deleted a moment ago.
func measure(b *testing.B, c client.Client, writers, n int) cell {
	b.Helper()
	runs++
	ctx := context.Background()
	var mu sync.Mutex
	var creates, updates, unrelateds []float64
	err := testenv.Parallel(writers, n, func(i int) error {
		ic := benchCluster(fmt.Sprintf("sample-%d-%05d", runs, i), map[string]string{"bench": "sample"})
		start := time.Now()
		if err := c.Create(ctx, ic); err != nil {
			return err
		}
		created := time.Since(start)
		patch := []byte(`{"metadata":{"annotations":{"capabilities/nodePortRange":"30000-32000"}}}`)
		start = time.Now()
		if err := c.Patch(ctx, ic, client.RawPatch(types.MergePatchType, patch)); err != nil {
			return err
		}
		updated := time.Since(start)
		// A label no rule reads: matchConditions keep it from the webhook.
		label := []byte(`{"metadata":{"labels":{"touched":"yes"}}}`)
		start = time.Now()
		if err := c.Patch(ctx, ic, client.RawPatch(types.MergePatchType, label)); err != nil {
			return err
		}
		unrelated := time.Since(start)
		mu.Lock()
		creates, updates, unrelateds = append(creates, ms(created)), append(updates, ms(updated)), append(unrelateds, ms(unrelated))
		mu.Unlock()
		return nil
	})
	if err != nil {
		b.Fatalf("%d writers: %v", writers, err)
	}
	return cell{create: quantile(creates), update: quantile(updates), unrelated: quantile(unrelateds)}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func quantile(xs []float64) quantiles {
	slices.Sort(xs)
	at := func(p float64) float64 { return xs[min(len(xs)-1, int(p*float64(len(xs))))] }
	return quantiles{p50: at(0.50), p99: at(0.99)}
}

func benchCluster(name string, labels map[string]string) *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: withIDLabel(labels, clusterIDFor(name)), Annotations: map[string]string{
			"capabilities/ingressCapabilities": `[{"ingressProvider":"traefik","customDefaultBackend":false}]`,
			"capabilities/nodePortRange":       "30000-32767",
		}},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterIDFor(name), APIServer: "https://" + name + ".example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: name + "-credentials"},
			K3s:                  &v1alpha1.K3sSpec{UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 1}}},
	}
}

// withIDLabel is labels with the label kimport.dev/cluster-id of clusterID id.
func withIDLabel(labels map[string]string, id string) map[string]string {
	out := map[string]string{v1alpha1.ClusterIDLabel: id}
	for k, v := range labels {
		out[k] = v
	}
	return out
}

// rssMiB reads the resident set size of a process from /proc.
func rssMiB(b *testing.B, pid int) float64 {
	b.Helper()
	mib, err := testenv.ProcMemMiB(pid, "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	return mib
}
