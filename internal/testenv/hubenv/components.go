package hubenv

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/deploy"
	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Component is bin/webhook running as a local process the way one of the two Deployments runs
// it: as its own ServiceAccount (a TokenRequest token in a kubeconfig of mode 0600, never
// printed) with the rights `kubectl import init` grants it, GOMEMLIMIT at its deployed memory
// limit and the environment the Deployment sets (GOMAXPROCS).
type Component struct {
	*Process
	// ProbeAddr serves /healthz and /readyz.
	ProbeAddr string
	// MemoryLimit is the Deployment's memory limit in bytes.
	MemoryLimit int64
}

// StartWebhookProcess runs bin as the kimport-webhook Deployment: admission only, the
// reconciler's user as the status writer, serving on 127.0.0.1:port with a certificate for
// localhost, as `kubectl import init --webhook-url https://localhost:PORT` expects (run init
// first: the webhook injects its CA into the configuration init installed). extra flags are
// added. It returns once the webhook serves.
func StartWebhookProcess(t testing.TB, hub *testenv.Cluster, bin string, port int, extra ...string) *Component {
	t.Helper()
	args := append([]string{"--disable-reconciler", "--status-writers", ControllerIdentity,
		"--webhook-host", "127.0.0.1", "--webhook-port", strconv.Itoa(port), "--cert-dir", t.TempDir(),
		"--sync-cert-files", "--cert-dns-names", "localhost"}, extra...)
	return startComponent(t, hub, bin, v1alpha1.WebhookComponent, args)
}

// StartControllerProcess runs bin as the kimport-controller Deployment: the reconciler and the
// inventory controller, leader-elected, and the hub gateway on 127.0.0.1:gatewayPort (what
// `kubectl import init --gateway-url https://localhost:PORT` expects) with its peer endpoint on
// a free port. It returns once its caches synced and the gateway serves.
func StartControllerProcess(t testing.TB, hub *testenv.Cluster, bin string, gatewayPort int, extra ...string) *Component {
	t.Helper()
	args := append([]string{"--disable-webhook", "--leader-elect", "--gateway-host", "127.0.0.1", "--gateway-port", strconv.Itoa(gatewayPort),
		"--gateway-peer-port", strconv.Itoa(FreePort(t)), "--gateway-cert-dir", t.TempDir(), "--sync-cert-files",
		"--gateway-cert-dns-names", strings.Join(GatewayCertDNSNames, ",")}, extra...)
	return startComponent(t, hub, bin, v1alpha1.ControllerComponent, args)
}

func startComponent(t testing.TB, hub *testenv.Cluster, bin, deployment string, args []string) *Component {
	t.Helper()
	kubeconfig, err := hub.ServiceAccountKubeconfig(context.Background(), v1alpha1.HubNamespace, deployment)
	if err != nil {
		t.Fatal(err)
	}
	c := &Component{ProbeAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), MemoryLimit: DeployedMemoryLimit(t, deployment)}
	args = append([]string{"--kubeconfig", kubeconfig, "--health-probe-bind-address", c.ProbeAddr, "--metrics-bind-address", "0"}, args...)
	env := append(DeployedEnv(t, deployment), "GOMEMLIMIT="+strconv.FormatInt(c.MemoryLimit, 10))
	c.Process = StartProcess(t, deployment, bin, env, args...)
	waitReady(t, deployment, c.ProbeAddr, 90*time.Second, func(d time.Duration) (bool, error) {
		exited, err := c.Exited(d)
		if exited {
			err = fmt.Errorf("%v\n%s", err, c.Log())
		}
		return exited, err
	})
	return c
}

// DeployedMemoryLimit is the memory limit of the container of Deployment name in deploy/base,
// in bytes.
func DeployedMemoryLimit(t testing.TB, name string) int64 {
	t.Helper()
	c := deployedContainer(t, name)
	limit := c.Resources.Limits.Memory()
	if limit.IsZero() {
		t.Fatalf("deployment %s in deploy/base has no memory limit", name)
	}
	return limit.Value()
}

// DeployedEnv is the environment the container of Deployment name in deploy/base sets by value
// (GOMAXPROCS, for one), as NAME=VALUE.
func DeployedEnv(t testing.TB, name string) []string {
	t.Helper()
	var env []string
	for _, e := range deployedContainer(t, name).Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env
}

// deployedContainer is the container of Deployment name in deploy/base.
func deployedContainer(t testing.TB, name string) corev1.Container {
	t.Helper()
	files, err := deploy.Resources()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := deploy.FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(data, []byte("\n---\n")) {
			var d appsv1.Deployment
			if yaml.Unmarshal(doc, &d) != nil || d.Kind != "Deployment" || d.Name != name {
				continue
			}
			return d.Spec.Template.Spec.Containers[0]
		}
	}
	t.Fatalf("no deployment %s in deploy/base", name)
	return corev1.Container{}
}
