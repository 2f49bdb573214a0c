package fleet

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/testenv"
)

// hub is one hub: its kube-apiserver and etcd (envtest), kube-controller-manager (testenv)
// and the hub component, bin/webhook (reconciler and webhook), as separate processes.
type hub struct {
	cluster      *testenv.Cluster
	admin        client.WithWatch
	adminCfg     *rest.Config
	apiserverPID int
	webhookPID   int
	webhookLog   string
}

// startHub starts a hub for one scenario; everything is stopped by pid when b ends.
func startHub(b *testing.B, procs *started, grace time.Duration) *hub {
	b.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	webhookBin := filepath.Join(root, "bin", "webhook")
	if _, err := os.Stat(webhookBin); err != nil {
		b.Fatalf("%s not built: run 'make build' (make bench-fleet does)", webhookBin)
	}
	before := children()
	cluster, err := testenv.StartCluster(testenv.Options{Name: "hub", HubCRDs: true, Dir: b.TempDir()})
	added := procs.adopt(before)
	if err != nil {
		b.Fatalf("starting the hub: %v", err)
	}
	b.Cleanup(func() {
		if err := cluster.Stop(); err != nil {
			b.Errorf("stopping the hub control plane: %v", err)
		}
	})
	h := &hub{cluster: cluster}
	for _, p := range added {
		if p.comm == "kube-apiserver" {
			h.apiserverPID = p.pid
		}
	}
	if h.apiserverPID == 0 {
		b.Fatalf("no kube-apiserver among the processes the hub started: %v", added)
	}
	h.adminCfg = rest.CopyConfig(cluster.Config)
	h.adminCfg.QPS, h.adminCfg.Burst = 2000, 2000
	if h.admin, err = client.NewWithWatch(h.adminCfg, client.Options{Scheme: scheme.Scheme}); err != nil {
		b.Fatal(err)
	}

	port, probePort := hubenv.FreePort(b), hubenv.FreePort(b)
	if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", cluster.Kubeconfig, "--webhook-url", fmt.Sprintf("https://localhost:%d", port)); err != nil {
		b.Fatalf("init: %v\n%s", err, out)
	}
	// The hub component runs as its own ServiceAccount's user, with the rights init grants it.
	_, kubeconfig, err := cluster.NewUser(hubenv.Identity, []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.HubNamespace})
	if err != nil {
		b.Fatal(err)
	}
	h.webhookLog = filepath.Join(cluster.Dir, "webhook.log")
	logFile, err := os.Create(h.webhookLog)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(webhookBin, "--kubeconfig", kubeconfig,
		"--webhook-host", "127.0.0.1", "--webhook-port", strconv.Itoa(port), "--cert-dir", b.TempDir(),
		"--sync-cert-files", "--cert-dns-names", "localhost", "--metrics-bind-address", "0",
		"--health-probe-bind-address", fmt.Sprintf("127.0.0.1:%d", probePort),
		"--agent-heartbeat-grace", grace.String())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	h.webhookPID = cmd.Process.Pid
	procs.add(proc{pid: h.webhookPID, comm: "webhook"})
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logFile.Close() }()
	b.Cleanup(func() {
		_ = syscall.Kill(h.webhookPID, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(h.webhookPID, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", probePort))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			b.Fatalf("bin/webhook exited: %v\n%s", err, logTail(h.webhookLog, 4000))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatalf("bin/webhook not ready within a minute:\n%s", logTail(h.webhookLog, 4000))
		}
	}
	return h
}

// usage samples the hub's kube-apiserver and hub component.
func (h *hub) usage(b *testing.B) (api, comp sample) {
	b.Helper()
	var err error
	if api, err = sampleOf(h.apiserverPID); err != nil {
		b.Fatalf("kube-apiserver (pid %d): %v", h.apiserverPID, err)
	}
	if comp, err = sampleOf(h.webhookPID); err != nil {
		b.Fatalf("bin/webhook (pid %d): %v\n%s", h.webhookPID, err, logTail(h.webhookLog, 4000))
	}
	return api, comp
}

func (h *hub) writes(b *testing.B) (float64, map[string]float64) {
	b.Helper()
	total, by, err := writes(context.Background(), h.adminCfg)
	if err != nil {
		b.Fatalf("reading the hub API server's metrics: %v", err)
	}
	return total, by
}

func runCmd(newCmd func(genericiooptions.IOStreams) *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newCmd(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}
