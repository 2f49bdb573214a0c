package importer

import (
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// An agent-mode import from a hub kubeconfig whose server is not https is refused before
// anything is written: the agent would send its token in the clear.
func TestHubPinOfRefusesPlainHTTP(t *testing.T) {
	_, err := HubPinOf(&Cluster{Config: &rest.Config{Host: "http://hub.example:8080", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("x")}}})
	if err == nil || !strings.Contains(err.Error(), `agent mode: the hub kubeconfig's server: "http://hub.example:8080" is not an https:// URL of the hub`) {
		t.Fatalf("HubPinOf(http://...) = %v", err)
	}
}
