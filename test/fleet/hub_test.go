package fleet

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// hub is one hub: its kube-apiserver and etcd (envtest), kube-controller-manager (testenv)
// and the hub component as deployed, bin/webhook twice (the webhook; the reconciler), as
// separate processes.
type hub struct {
	cluster      *testenv.Cluster
	admin        client.WithWatch
	adminCfg     *rest.Config
	apiserverPID int
	components   []component
	// controllerArgs start the reconciler (again, for a restart).
	controllerArgs []string
}

// component is one process of the hub component.
type component struct {
	name, bin, user string
	args            []string
	pid             int
	log             string
	stop            func()
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

	port, gatewayPort := hubenv.FreePort(b), hubenv.FreePort(b)
	if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", cluster.Kubeconfig, "--webhook-url", fmt.Sprintf("https://localhost:%d", port),
		"--gateway-url", fmt.Sprintf("https://localhost:%d", gatewayPort)); err != nil {
		b.Fatalf("init: %v\n%s", err, out)
	}
	// As deployed: the webhook and the reconciler apart, each as its own ServiceAccount's user
	// with the rights init grants it.
	h.start(b, procs, webhookBin, hubenv.WebhookIdentity, "--disable-reconciler", "--status-writers", hubenv.ControllerIdentity,
		"--webhook-host", "127.0.0.1", "--webhook-port", strconv.Itoa(port), "--cert-dir", b.TempDir(),
		"--sync-cert-files", "--cert-dns-names", "localhost")
	// The reconciler with the hub gateway, to which every simulated agent holds its tunnel.
	h.controllerArgs = []string{"--disable-webhook", "--agent-heartbeat-grace", grace.String(),
		"--gateway-host", "127.0.0.1", "--gateway-port", strconv.Itoa(gatewayPort), "--gateway-peer-port", strconv.Itoa(hubenv.FreePort(b)),
		"--gateway-cert-dir", b.TempDir(), "--sync-cert-files", "--gateway-cert-dns-names", strings.Join(hubenv.GatewayCertDNSNames, ",")}
	h.start(b, procs, webhookBin, hubenv.ControllerIdentity, h.controllerArgs...)
	return h
}

// start runs bin as user with args and waits until it is ready; it is stopped by pid when b
// ends (or by restart).
func (h *hub) start(b *testing.B, procs *started, bin, user string, args ...string) {
	b.Helper()
	h.components = append(h.components, h.run(b, procs, bin, user, args))
}

// restart stops the component at index i (SIGTERM, as a rolling update does) and starts it
// again with the same arguments, returning once it is ready again.
func (h *hub) restart(b *testing.B, procs *started, i int) {
	b.Helper()
	c := h.components[i]
	c.stop()
	h.components[i] = h.run(b, procs, c.bin, c.user, c.args)
}

func (h *hub) run(b *testing.B, procs *started, bin, user string, args []string) component {
	b.Helper()
	name := user[strings.LastIndex(user, ":")+1:]
	_, kubeconfig, err := h.cluster.NewUser(user, []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.HubNamespace})
	if err != nil {
		b.Fatal(err)
	}
	c := component{name: name, bin: bin, user: user, args: args, log: filepath.Join(h.cluster.Dir, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))}
	logFile, err := os.Create(c.log)
	if err != nil {
		b.Fatal(err)
	}
	probePort := hubenv.FreePort(b)
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
		"--health-probe-bind-address", fmt.Sprintf("127.0.0.1:%d", probePort)}, args...)...)
	// As deployed: the container's environment (GOMAXPROCS) and GOMEMLIMIT at its memory limit.
	deployment := v1alpha1.ControllerComponent
	if slices.Contains(args, "--disable-reconciler") {
		deployment = v1alpha1.WebhookComponent
	}
	cmd.Env = append(append(os.Environ(), hubenv.DeployedEnv(b, deployment)...),
		"GOMEMLIMIT="+strconv.FormatInt(hubenv.DeployedMemoryLimit(b, deployment), 10))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c.pid = cmd.Process.Pid
	procs.add(proc{pid: c.pid, comm: "webhook"})
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logFile.Close() }()
	var once sync.Once
	c.stop = func() {
		once.Do(func() { // by pid, once: never a pid the process no longer holds
			_ = syscall.Kill(c.pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = syscall.Kill(c.pid, syscall.SIGKILL)
				<-done
			}
		})
	}
	b.Cleanup(c.stop)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", probePort))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		select {
		case err := <-done:
			b.Fatalf("bin/webhook (%s) exited: %v\n%s", name, err, logTail(c.log, 4000))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatalf("bin/webhook (%s) not ready within a minute:\n%s", name, logTail(c.log, 4000))
		}
	}
}

// usage samples the hub's kube-apiserver and the hub component (both its processes together).
func (h *hub) usage(b *testing.B) (api, comp sample) {
	b.Helper()
	var err error
	if api, err = sampleOf(h.apiserverPID); err != nil {
		b.Fatalf("kube-apiserver (pid %d): %v", h.apiserverPID, err)
	}
	for _, c := range h.components {
		s, err := sampleOf(c.pid)
		if err != nil {
			b.Fatalf("bin/webhook (%s, pid %d): %v\n%s", c.name, c.pid, err, logTail(c.log, 4000))
		}
		comp.at, comp.cpu, comp.rss = s.at, comp.cpu+s.cpu, comp.rss+s.rss
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

func runCmd(newCmd func(common.Factory, genericiooptions.IOStreams) *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}
