package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestLookup(t *testing.T) {
	got := Lookup(Hub{Server: "https://10.96.0.1:443", CAData: []byte("CA")}, "edge")
	if got.Server != "https://10.96.0.1:443/apis/gateway.kimport.dev/v1alpha1/clusters/edge/proxy" || string(got.CAData) != "CA" {
		t.Errorf("Lookup = %+v", got)
	}
}

func TestHubFromConfig(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, []byte("FILE-CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  rest.Config
		want Hub
		err  string
	}{
		{name: "inline CA", cfg: rest.Config{Host: "https://hub:6443", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("CA")}},
			want: Hub{Server: "https://hub:6443", CAData: []byte("CA")}},
		// In a pod: rest.InClusterConfig names the ServiceAccount's ca.crt.
		{name: "CA file", cfg: rest.Config{Host: "https://10.96.0.1:443", TLSClientConfig: rest.TLSClientConfig{CAFile: caFile}},
			want: Hub{Server: "https://10.96.0.1:443", CAData: []byte("FILE-CA")}},
		{name: "missing CA file", cfg: rest.Config{Host: "https://hub", TLSClientConfig: rest.TLSClientConfig{CAFile: caFile + ".gone"}}, err: "reading the hub's CA"},
		{name: "system roots", cfg: rest.Config{Host: "https://hub"}, err: "names no certificate-authority"},
		{name: "insecure", cfg: rest.Config{Host: "https://hub", TLSClientConfig: rest.TLSClientConfig{Insecure: true, CAData: []byte("CA")}}, err: "skips TLS verification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HubFromConfig(&tc.cfg)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want %q", err, tc.err)
			case tc.err == "" && (err != nil || got.Server != tc.want.Server || string(got.CAData) != string(tc.want.CAData)):
				t.Errorf("HubFromConfig = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// The status the controller writes holds the exec extension as a JSON object, the form
// client-go hands the exec plugin (not base64, not a string).
func TestAccessProviderUnstructured(t *testing.T) {
	st := DesiredStatus(cluster(v1alpha1.ModeAgent), Lookup(Hub{Server: "https://hub", CAData: []byte("CA")}, "edge-1"))
	m, err := toMap(&st)
	if err != nil {
		t.Fatal(err)
	}
	providers, _, _ := unstructured.NestedSlice(m, "accessProviders")
	if len(providers) != 1 {
		t.Fatalf("accessProviders %v", m["accessProviders"])
	}
	exts, _, _ := unstructured.NestedSlice(providers[0].(map[string]any), "cluster", "extensions")
	if len(exts) != 1 {
		t.Fatalf("extensions %v", providers[0])
	}
	name, _, _ := unstructured.NestedString(exts[0].(map[string]any), "extension", "clusterName")
	server, _, _ := unstructured.NestedString(providers[0].(map[string]any), "cluster", "server")
	if name != "edge-1" || server != "https://hub/apis/gateway.kimport.dev/v1alpha1/clusters/edge-1/proxy" {
		t.Errorf("provider %v", providers[0])
	}
}
