package clustersync

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// fakeNodesServer serves /version, /api/v1/namespaces and /api/v1/nodes of a cluster with n
// nodes as real ones look (about 13.4 KB of JSON each, 40 images, managedFields), in pages as
// the API server pages them. Nodes are written straight to the response from two rendered
// templates (server, worker), so the server allocates almost nothing: the process's memory is
// the probe's.
func fakeNodesServer(n int) *httptest.Server {
	templates := [2][][]byte{nodeTemplate(0), nodeTemplate(10)} // a server, a worker
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2+k3s1"}`)
		case "/api/v1/namespaces":
			fmt.Fprint(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"kube-system","uid":"cluster-1"}},{"metadata":{"name":"default","uid":"d"}}]}`)
		case "/api/v1/nodes":
			limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			if limit <= 0 {
				limit = n
			}
			start, _ := strconv.Atoi(r.URL.Query().Get("continue"))
			end := min(start+limit, n)
			next := ""
			if end < n {
				next = strconv.Itoa(end)
			}
			fmt.Fprintf(w, `{"kind":"NodeList","apiVersion":"v1","metadata":{"continue":%q},"items":[`, next)
			var num [20]byte
			for i := start; i < end; i++ {
				if i > start {
					_, _ = w.Write([]byte{','})
				}
				parts := templates[1]
				if i < 3 {
					parts = templates[0]
				}
				index := strconv.AppendInt(num[:0], int64(i), 10)
				for j, part := range parts {
					if j > 0 {
						_, _ = w.Write(index)
					}
					_, _ = w.Write(part)
				}
			}
			_, _ = w.Write([]byte("]}"))
		default:
			http.NotFound(w, r)
		}
	}))
}

// nodeTemplate is node i rendered, split where its index goes.
func nodeTemplate(i int) [][]byte {
	var b bytes.Buffer
	writeNode(&b, i)
	return bytes.Split(b.Bytes(), []byte("\x00"))
}

// writeNode writes a K3s node with the bulk of a real one, its index written as a NUL byte
// (nodeTemplate splits there); i < 3 makes it a server.
func writeNode(b *bytes.Buffer, i int) {
	const idx = "\x00"
	role := `"node-role.kubernetes.io/worker":"true"`
	if i < 3 {
		role = `"node-role.kubernetes.io/control-plane":"true","node-role.kubernetes.io/etcd":"true"`
	}
	fmt.Fprintf(b, `{"metadata":{"name":"node-%s","uid":"u-%s","labels":{%s,"kubernetes.io/hostname":"node-%s","kubernetes.io/os":"linux","node.kubernetes.io/instance-type":"k3s"},`, idx, idx, role, idx)
	fmt.Fprintf(b, `"annotations":{"k3s.io/node-args":"[\"server\",\"--disable\",\"traefik\"]","k3s.io/node-env":"{}","volumes.kubernetes.io/controller-managed-attach-detach":"true"},`)
	b.WriteString(`"managedFields":[`)
	for m := 0; m < 4; m++ {
		if m > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"manager":"k3s-%d","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:lastHeartbeatTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}}}}}`, m)
	}
	fmt.Fprintf(b, `]},"spec":{"providerID":"k3s://node-%s","podCIDR":"10.42.%d.0/24"},"status":{"conditions":[`, idx, i%250)
	for c, typ := range []string{"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"} {
		if c > 0 {
			b.WriteByte(',')
		}
		status := "False"
		if typ == "Ready" {
			status = "True"
		}
		fmt.Fprintf(b, `{"type":%q,"status":%q,"lastHeartbeatTime":"2026-11-30T00:00:00Z","lastTransitionTime":"2026-11-30T00:00:00Z","reason":"Kubelet%s","message":"kubelet reports %s is %s on this node"}`, typ, status, typ, typ, status)
	}
	b.WriteString(`],"addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"node"}],"images":[`)
	for m := 0; m < 40; m++ {
		if m > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"names":["registry.example/platform-team/library/image-number-%d@sha256:%064d","registry.example/platform-team/library/image-number-%d:v1.%d.0-debian-12-r1"],"sizeBytes":%d}`, m, m, m, m, 1000000+m)
	}
	fmt.Fprintf(b, `],"nodeInfo":{"machineID":"m-%s-%032d","systemUUID":"s-%s-%032d","bootID":"b-%s-%032d","kernelVersion":"6.1.0","osImage":"Debian","containerRuntimeVersion":"containerd://1.7","kubeletVersion":"v1.37.2+k3s1","kubeProxyVersion":"v1.37.2+k3s1","operatingSystem":"linux","architecture":"amd64"},`, idx, i, idx, i, idx, i)
	b.WriteString(`"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"},"capacity":{"cpu":"4","memory":"16Gi","pods":"110"}}}`)
}

// peakRSSMiB resets the kernel's peak-RSS counter when reset is set, else reads it (VmHWM).
func peakRSSMiB(tb testing.TB, reset bool) float64 {
	tb.Helper()
	if reset {
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			tb.Skipf("cannot reset the peak RSS (/proc/self/clear_refs): %v", err)
		}
		return 0
	}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}

func currentRSSMiB(tb testing.TB) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkProbeMemory probes a downstream of 5,000 real-sized nodes and prints how far the
// process's peak RSS rose above what it was before the probe: the memory one probe costs the
// hub component (or the agent), which must not grow with the size of the nodes.
func BenchmarkProbeMemory(b *testing.B) {
	const n = 5000
	srv := fakeNodesServer(n)
	defer srv.Close()
	// As the hub and the agent read a downstream: every answer bounded (bodylimit.InCluster).
	cs := kubernetes.NewForConfigOrDie(bodylimit.Config(&rest.Config{Host: srv.URL, QPS: -1}, bodylimit.InCluster))
	ctx := context.Background()
	var worst float64
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		idle := currentRSSMiB(b)
		peakRSSMiB(b, true)
		obs, err := probe(ctx, cs, inspect.NewProjectIndex(nil))
		if err != nil {
			b.Fatal(err)
		}
		if len(obs.nodes) != n {
			b.Fatalf("%d nodes probed, want %d", len(obs.nodes), n)
		}
		worst = max(worst, peakRSSMiB(b, false)-idle)
		runtime.KeepAlive(obs)
	}
	b.ReportMetric(worst, "MiB-peak-rss")
	fmt.Printf("probe rss for %d nodes: %.1f MiB\n", n, worst)
}

// TestSlimNodeKeepsWhatTheSyncReads: the slimmed node gives the same summary, distribution and
// capabilities as the full one.
func TestSlimNodeKeepsWhatTheSyncReads(t *testing.T) {
	var one bytes.Buffer
	writeNode(&one, 4000)
	if size := one.Len() + 5*4; size < 12000 || size > 15000 { // five indexes of 4 digits
		t.Errorf("a fake node is %d bytes of JSON, want about 13.4 KB as real ones", size)
	}
	srv := fakeNodesServer(250)
	defer srv.Close()
	obs, err := probe(context.Background(), kubernetes.NewForConfigOrDie(bodylimit.Config(&rest.Config{Host: srv.URL}, bodylimit.InCluster)), inspect.NewProjectIndex(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.nodes) != 250 || obs.kubeSystemID != "cluster-1" {
		t.Fatalf("%d nodes, kube-system %q", len(obs.nodes), obs.kubeSystemID)
	}
	n := obs.nodes[0]
	if n.Name != "node-0" || n.Labels["node-role.kubernetes.io/control-plane"] != "true" || n.Spec.ProviderID != "k3s://node-0" ||
		n.Annotations["k3s.io/node-args"] == "" || len(n.Annotations) != 1 || len(n.Status.Images) != 0 || len(n.ManagedFields) != 0 ||
		len(n.Status.Conditions) != 1 || n.Status.NodeInfo.KubeletVersion != "v1.37.2+k3s1" {
		t.Errorf("slim node = %+v", n)
	}
}
