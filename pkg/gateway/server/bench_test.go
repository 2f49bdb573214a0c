package server_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/access"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Benchmark sizes: fixed samples, so run once (-benchtime 1x). The two paths alternate in
// rounds, and each figure is the median of the rounds' ratios, so that load from elsewhere
// on the machine weighs on both alike.
const (
	benchRounds     = 7
	benchGets       = 100 // per path and round
	benchLists      = 6   // per path and round
	benchConfigMaps = 400
	benchDataBytes  = 4096
)

// BenchmarkGateway compares a member reaching the downstream through the hub API server,
// the gateway and the agent's tunnel with a client calling the downstream directly, one
// client at a time on loopback: the median latency of a GET of one object, and the bytes per
// second of LISTs of 400 ConfigMaps of 4 KiB (1.7 MB). It prints
//
//	gateway get p50 ratio (gateway/direct): R
//	gateway list throughput ratio (gateway/direct): R
//
// and the parts of a GET through the gateway: the hub API server's hop alone and the tunnel
// alone, whose sum is what a gateway costing nothing would take.
func BenchmarkGateway(b *testing.B) {
	e := startEnv(b, logr.Discard(), "")
	ctx := context.Background()
	bob, _ := e.hub.AddUser(b, "bob", []string{"sre"}) // a member through group sre: cluster-owner
	paths := map[string]*rest.Config{"direct": fast(e.edge.Config), "gateway": fast(proxyConfig(bob, "edge")), "hub": fast(bob)}
	seed(b, kubernetes.NewForConfigOrDie(paths["direct"]))

	const object = "/api/v1/namespaces/bench/configmaps/cm-0"
	getWith := func(path, abs string) time.Duration {
		rc := kubernetes.NewForConfigOrDie(paths[path]).CoreV1().RESTClient()
		lat := make([]time.Duration, benchGets)
		for i := range lat {
			t0 := time.Now()
			if _, err := rc.Get().AbsPath(abs).DoRaw(ctx); err != nil {
				b.Fatal(err)
			}
			lat[i] = time.Since(t0)
		}
		return median(lat)
	}
	get := func(path string) time.Duration { return getWith(path, object) }
	list := func(path string) float64 {
		rc := kubernetes.NewForConfigOrDie(paths[path]).CoreV1().RESTClient()
		var bytes int
		t0 := time.Now()
		for range benchLists {
			body, err := rc.Get().AbsPath("/api/v1/namespaces/bench/configmaps").DoRaw(ctx)
			if err != nil {
				b.Fatal(err)
			}
			bytes += len(body)
		}
		return float64(bytes) / time.Since(t0).Seconds()
	}
	// Warm both paths (connections, the gateway's authorization cache).
	get("direct")
	get("gateway")
	b.ResetTimer()
	var getRatios, listRatios []float64
	var directGet, gatewayGet, hubHop, tunnelGet []time.Duration
	var directList, gatewayList []float64
	for range benchRounds {
		d, g := get("direct"), get("gateway")
		directGet, gatewayGet, getRatios = append(directGet, d), append(gatewayGet, g), append(getRatios, float64(g)/float64(d))
		// The parts: the hub API server's hop alone (a request it hands the gateway, which
		// answers it at once: the group's discovery), and the tunnel alone (the gateway's
		// side of it, in process, to the downstream as the member).
		hubHop = append(hubHop, getWith("hub", "/apis/"+gatewayapi.Group+"/"+gatewayapi.Version))
		tunnelGet = append(tunnelGet, tunnelOnly(b, e, object))
		dl, gl := list("direct"), list("gateway")
		directList, gatewayList, listRatios = append(directList, dl), append(gatewayList, gl), append(listRatios, gl/dl)
	}
	b.StopTimer()

	getRatio, listRatio := median(getRatios), median(listRatios)
	b.ReportMetric(getRatio, "get-p50-ratio")
	b.ReportMetric(listRatio, "list-throughput-ratio")
	fmt.Printf("gateway get p50 (median of %d rounds): direct %s, gateway %s\n", benchRounds,
		median(directGet).Round(time.Microsecond), median(gatewayGet).Round(time.Microsecond))
	fmt.Printf("gateway get p50 ratio (gateway/direct): %.2f\n", getRatio)
	fmt.Printf("gateway get p50 parts: the hub API server's hop alone %s, the tunnel alone %s\n",
		median(hubHop).Round(time.Microsecond), median(tunnelGet).Round(time.Microsecond))
	fmt.Printf("gateway list throughput (median of %d rounds): direct %.1f MiB/s, gateway %.1f MiB/s\n", benchRounds,
		median(directList)/(1<<20), median(gatewayList)/(1<<20))
	fmt.Printf("gateway list throughput ratio (gateway/direct): %.2f\n", listRatio)
}

func median[T cmp.Ordered](s []T) T {
	s = slices.Clone(s)
	slices.Sort(s)
	return s[len(s)/2]
}

// fast lifts client-go's client-side rate limit: the benchmark measures the servers.
func fast(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 1e6, 1e6
	return cfg
}

// seed creates namespace bench with benchConfigMaps ConfigMaps of benchDataBytes each.
func seed(b *testing.B, cs kubernetes.Interface) {
	b.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	data := strings.Repeat("x", benchDataBytes)
	for i := range benchConfigMaps {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%d", i)}, Data: map[string]string{"data": data}}
		if _, err := cs.CoreV1().ConfigMaps("bench").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// tunnelOnly is the median latency of a GET of abs through the edge agent's tunnel, from the
// gateway's end, as the member bob (group sre) the gateway would make it: no hub API server.
func tunnelOnly(b *testing.B, e *env, abs string) time.Duration {
	rt, ok := e.tunnels.RoundTripper("edge")
	if !ok {
		b.Fatal("the edge agent has no tunnel")
	}
	imp := access.Impersonation{User: gatewayapi.GroupMemberUser, Groups: []string{"sre"}, HubUser: "bob"}
	lat := make([]time.Duration, benchGets)
	for i := range lat {
		req, err := http.NewRequest(http.MethodGet, "http://agent.tunnel"+abs, nil)
		if err != nil {
			b.Fatal(err)
		}
		access.Apply(req.Header, imp)
		t0 := time.Now()
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("through the tunnel alone: %v %s", err, resp.Status)
		}
		lat[i] = time.Since(t0)
	}
	return median(lat)
}
