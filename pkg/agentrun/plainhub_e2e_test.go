package agentrun_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// TestAgentRefusesAPlainHub: a hub credential Secret in the downstream that names an http://
// hub (written by whoever can write cattle-system, or by an import from such a kubeconfig)
// makes the agent stop with the Secret key named, before it sends its token anywhere: the
// plain-HTTP "hub" receives no request.
func TestAgentRefusesAPlainHub(t *testing.T) {
	ds := testenv.Start(t, testenv.Options{Name: "edge"})
	ctx := context.Background()
	var requests atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	t.Cleanup(plain.Close)

	if err := ds.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace}}); err != nil {
		t.Fatal(err)
	}
	const token = "bootstrap-token-value"
	secret := agent.HubSecret("edge", plain.URL, ds.Config.CAData, "sha256:00", token)
	if err := ds.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	opts := agentrun.DefaultOptions()
	opts.ProbeAddr, opts.MetricsAddr = "0", "0"
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := agentrun.Run(runCtx, ds.Config, opts)
	if err == nil || !strings.Contains(err.Error(), `secret cattle-system/kimport-agent-hub, key "server": "`+plain.URL+`" is not an https:// URL of the hub`) ||
		!strings.Contains(err.Error(), "re-run the import with the hub's https URL") {
		t.Fatalf("agent with an http:// hub: %v, want a refusal naming the Secret's key", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("the error repeats the token: %v", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the plain-HTTP hub received %d requests", n)
	}
}
