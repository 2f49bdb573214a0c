package clustersync

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// hostile serves /version and the lists as handlers say; the probe reads it as the hub does.
func hostile(t *testing.T, nodes, namespaces http.HandlerFunc) kubernetes.Interface {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
		case "/api/v1/nodes":
			nodes(w, r)
		case "/api/v1/namespaces":
			namespaces(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return kubernetes.NewForConfigOrDie(bodylimit.Config(&rest.Config{Host: srv.URL, QPS: -1}, bodylimit.InCluster))
}

func oneNode(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprint(w, `{"metadata":{},"items":[{"metadata":{"name":"n"}}]}`)
}

func systemNamespaces(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprint(w, `{"metadata":{},"items":[{"metadata":{"name":"kube-system","uid":"cluster-1"}},{"metadata":{"name":"default","uid":"d"}}]}`)
}

// repeat writes head, n copies of item (comma-separated) and "]}", never holding them whole.
func repeat(head, item string, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, head)
		chunk := strings.Repeat(item+",", 1000)
		for i := 0; i < n/1000; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return // the client hung up: what the limit is for
			}
		}
		_, _ = io.WriteString(w, item+"]}")
	}
}

// TestProbeRefusesWhatNoAPIServerAnswers: a downstream that ignores the page size and answers
// hundreds of megabytes, one that sends a cloud of empty objects, one whose nodes carry
// more read labels than any node and one that pages forever are each refused with a message
// that names the limit, and nothing of them is kept.
func TestProbeRefusesWhatNoAPIServerAnswers(t *testing.T) {
	ns := `{"metadata":{"name":"team-0000000000","uid":"00000000-0000-0000-0000-000000000000","labels":{"team":"a"},"annotations":{"note":"` + strings.Repeat("x", 400) + `"}}}`
	labels := make([]string, maxKeptPerObject+1)
	for i := range labels {
		labels[i] = fmt.Sprintf(`"node-role.kubernetes.io/r%d":"true"`, i)
	}
	cases := []struct {
		name              string
		nodes, namespaces http.HandlerFunc
		want              string
	}{
		{"500 MB of namespaces in one answer", oneNode,
			repeat(`{"kind":"NamespaceList","metadata":{},"items":[`, ns, 500<<20/len(ns)),
			"listing namespaces: the downstream http://127.0.0.1:PORT answered GET /api/v1/namespaces with more than 4 MiB (decompressed)"},
		{"a cloud of empty nodes", repeat(`{"metadata":{},"items":[`, `{}`, 1_000_000), systemNamespaces,
			"listing nodes: the downstream listed more nodes than kubectl-import keeps of one cluster (32768 so far: the fields it reads of them passed 32 MiB)"},
		{"a cloud of empty objects", repeat(`{"metadata":{},"items":[{"metadata":{"name":"n","annotations":{"a":"b"}},"spec":{"x":[`, `{}`, 1_000_000), systemNamespaces,
			"listing nodes: the downstream http://127.0.0.1:PORT answered GET /api/v1/nodes with more than 50000 JSON objects"},
		{"a node with more read labels than any", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"metadata":{},"items":[{"metadata":{"name":"n","labels":{%s}}}]}`, strings.Join(labels, ","))
		}, systemNamespaces, "listing nodes: more than 32 labels or annotations of the kinds kubectl-import reads on one object"},
		{"pages without end", func(w http.ResponseWriter, r *http.Request) {
			page, _ := strconv.Atoi(r.URL.Query().Get("continue"))
			fmt.Fprintf(w, `{"metadata":{"continue":"%d"},"items":[]}`, page+1)
		}, systemNamespaces, "listing nodes: the downstream answered more than 2000 pages of nodes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := hostile(t, c.nodes, c.namespaces)
			obs, err := probe(context.Background(), cs, inspect.NewProjectIndex(nil))
			if err == nil {
				t.Fatalf("probe kept %d nodes and %d namespaces", len(obs.nodes), len(obs.namespaces))
			}
			host := cs.CoreV1().RESTClient().Get().URL().Host
			want := strings.ReplaceAll(c.want, "127.0.0.1:PORT", host)
			if !strings.Contains(err.Error(), want) || !bodylimit.Refused(err) {
				t.Errorf("error %q\nwant it to contain %q (refused: %v)", err, want, bodylimit.Refused(err))
			}
		})
	}
}

// TestProbeKeepsOnlyProjectNamespaces: of 20,000 namespaces in pages, the probe keeps the
// project namespaces and kube-system's UID.
func TestProbeKeepsOnlyProjectNamespaces(t *testing.T) {
	const n = 20_000
	cs := hostile(t, oneNode, func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		start, _ := strconv.Atoi(r.URL.Query().Get("continue"))
		end, next := min(start+limit, n), ""
		if end < n {
			next = strconv.Itoa(end)
		}
		fmt.Fprintf(w, `{"metadata":{"continue":%q},"items":[`, next)
		for i := start; i < end; i++ {
			name := fmt.Sprintf("team-%d", i)
			switch i {
			case 7:
				name = "kube-system"
			case 9000:
				name = "default"
			}
			if i > start {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"metadata":{"name":%q,"uid":"uid-%d","labels":{"kimport.dev/project":"p-%d","other":"x"}}}`, name, i, i)
		}
		fmt.Fprint(w, "]}")
	})
	obs, err := probe(context.Background(), cs, inspect.NewProjectIndex(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]inspect.Namespace{"kube-system": {Project: "p-7"}, "default": {Project: "p-9000"}}
	if obs.kubeSystemID != "uid-7" || fmt.Sprint(obs.namespaces) != fmt.Sprint(want) {
		t.Errorf("kube-system %q, namespaces %v; want uid-7, %v", obs.kubeSystemID, obs.namespaces, want)
	}
}
