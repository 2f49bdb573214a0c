// Package gateway_test tries the hub gateway end to end as deployed: a real hub (aggregation
// layer on), the hub component with its gateway installed by `kubectl import init` and running
// as its own ServiceAccount (internal/testenv/hubenv), clusters imported by `kubectl import
// cluster` in agent mode (kimport-agent as a real process, the only way into its downstream)
// and in direct mode, and members using them with kubectl through the hub.
package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// The hub's users: alice and carol authenticate with a token (the hub's token file), bob with
// a client certificate; reader and stranger are hub ServiceAccounts in namespace consumers.
const (
	consumers = "consumers"
	reader    = "system:serviceaccount:" + consumers + ":reader"
	stranger  = "system:serviceaccount:" + consumers + ":stranger"
	// team is a namespace of every downstream, where the members work.
	team = "team"
)

// members of both clusters: alice owns them, group sre (bob) and the hub ServiceAccount
// reader view them.
var members = []string{"User:alice=cluster-owner", "Group:sre=cluster-member", "User:" + reader + "=cluster-member"}

// env is the hub and its two imported clusters: edge (agent mode, whose record names an
// address nobody can reach: only its agent's tunnel gets in) and plain (direct mode).
type env struct {
	hub, edge, plain *testenv.Cluster
	server           *hubenv.Server
	agent            *hubenv.Agent
	// tokens are the hub token users' tokens.
	tokens map[string]string
	// kubectlCache keeps kubectl's discovery cache out of the user's home.
	kubectlCache string
}

// tokenUsers are the hub's token users and their groups.
var tokenUsers = map[string][]string{"alice": {"dev"}, "carol": {"qa"}}

func startEnv(t *testing.T) *env {
	t.Helper()
	agentBin := hubenv.BuildAgent(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("KUBECTL_IMPORT_HUB_CONTEXT", "")
	e := &env{tokens: map[string]string{}, kubectlCache: t.TempDir()}
	tokenFile := filepath.Join(t.TempDir(), "tokens.csv")
	var lines []string
	for user, groups := range tokenUsers {
		e.tokens[user] = randomToken(t)
		lines = append(lines, fmt.Sprintf("%s,%s,%s-uid,\"%s\"", e.tokens[user], user, user, strings.Join(groups, ",")))
	}
	if err := os.WriteFile(tokenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	versions := testenv.DownstreamVersions()
	cs := testenv.StartAll(t,
		testenv.Options{Name: "hub", APIServerFlags: map[string]string{"token-auth-file": tokenFile}},
		// The downstreams at the newest and at the oldest supported Kubernetes.
		testenv.Options{Name: "edge", Audit: true, Version: versions[0]},
		testenv.Options{Name: "plain", Audit: true, Version: versions[len(versions)-1]})
	e.hub, e.edge, e.plain = cs[0], cs[1], cs[2]
	for _, ds := range []*testenv.Cluster{e.edge, e.plain} {
		create(t, ds.Client, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: team}})
		create(t, ds.Client, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "only-in-" + ds.Name}})
	}

	e.server = hubenv.New(t, e.hub)
	if out, err := run(initcmd.NewCmd, "--kubeconfig", e.hub.Kubeconfig, "--webhook-url", e.server.URL, "--gateway-url", e.server.GatewayURL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	e.server.Start(t)
	waitAPIServiceAvailable(t, e.hub)

	// edge: agent mode; the hub's record names an address that resolves nowhere.
	args := []string{"edge", "--mode", "agent", "--kubeconfig", e.edge.Kubeconfig, "--hub-kubeconfig", e.hub.Kubeconfig,
		"--advertise-address", "https://edge.invalid:6443", "--wait=false"}
	for _, m := range members {
		args = append(args, "--member", m)
	}
	if out, err := run(cluster.NewCmd, args...); err != nil {
		t.Fatalf("importing edge: %v\n%s", err, out)
	}
	agentKubeconfig, err := e.edge.ServiceAccountKubeconfig(context.Background(), v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	if err != nil {
		t.Fatal(err)
	}
	e.agent = hubenv.StartAgent(t, agentBin(t), "--kubeconfig", agentKubeconfig, "--sync-interval", "2s", "--health-probe-bind-address", "0")
	// plain: direct mode.
	args = []string{"plain", "--mode", "direct", "--kubeconfig", e.plain.Kubeconfig, "--hub-kubeconfig", e.hub.Kubeconfig, "--timeout", "2m"}
	for _, m := range members {
		args = append(args, "--member", m)
	}
	if out, err := run(cluster.NewCmd, args...); err != nil {
		t.Fatalf("importing plain: %v\n%s", err, out)
	}
	e.waitActive(t, "edge")
	e.waitActive(t, "plain")
	return e
}

// waitAPIServiceAvailable waits until the hub's aggregator reaches the gateway.
func waitAPIServiceAvailable(t *testing.T, hub *testenv.Cluster) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("apiregistration.k8s.io/v1")
		u.SetKind("APIService")
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: gatewayapi.APIServiceName}, u); err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Available" {
				last = fmt.Sprintf("%v: %v", m["reason"], m["message"])
				return m["status"] == "True", nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("APIService %s not Available (%s): %v", gatewayapi.APIServiceName, last, err)
	}
}

// waitActive waits until cluster is Active and its members can reach it through the gateway
// (the agent's tunnel is up, the impersonator's rules are in step).
func (e *env) waitActive(t *testing.T, name string) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		var ic v1alpha1.ImportedCluster
		if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil || ic.Status.Phase != v1alpha1.PhaseActive {
			last = fmt.Sprintf("phase %s", ic.Status.Phase)
			return false, nil
		}
		out, err := e.kubectl(t, e.asToken(t, "alice", name), "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		last = fmt.Sprintf("whoami through the gateway: %q, %v", out, err)
		return err == nil && out == "alice", nil
	})
	if err != nil {
		log := ""
		if e.agent != nil {
			log = e.agent.Log()
		}
		t.Fatalf("%s not reachable through the gateway (%s): %v\nagent log:\n%s", name, last, err, log)
	}
}

// kubeconfig writes a kubeconfig whose server is cluster's proxy path on the hub, with the CA
// of the hub and the credentials of cfg (a token, or a client certificate).
func (e *env) kubeconfig(t *testing.T, name, cluster string, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["hub"] = &clientcmdapi.Cluster{Server: e.hub.Config.Host + gatewayapi.ProxyPath(cluster), CertificateAuthorityData: e.hub.Config.CAData}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken, ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts[cluster] = &clientcmdapi.Context{Cluster: "hub", AuthInfo: name}
	kc.CurrentContext = cluster
	path := filepath.Join(t.TempDir(), name+"-"+cluster+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// asToken is a kubeconfig of the token user reaching cluster through the gateway.
func (e *env) asToken(t *testing.T, user, cluster string) string {
	return e.kubeconfig(t, user, cluster, &rest.Config{BearerToken: e.tokens[user]})
}

// kubectl runs the real kubectl with kubeconfig; stdout, and an error carrying stderr.
func (e *env) kubectl(t *testing.T, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig, "--cache-dir", e.kubectlCache, "--request-timeout", "30s"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// watchUntil runs kubectl with args (a watch) until a line of its output contains want; the
// process is stopped by its pid.
func (e *env) watchUntil(t *testing.T, kubeconfig, want string, timeout time.Duration, args []string, meanwhile func()) {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig, "--cache-dir", e.kubectlCache}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	started := false
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("kubectl %s ended before %q: %s", strings.Join(args, " "), want, errOut.String())
			}
			if strings.Contains(line, want) {
				return
			}
		case <-time.After(2 * time.Second):
			// The watch is open (it printed nothing yet): make the change it must see, once.
			if !started {
				started = true
				meanwhile()
			}
		case <-deadline:
			t.Fatalf("kubectl %s showed no %q within %s: %s", strings.Join(args, " "), want, timeout, errOut.String())
		}
	}
}

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func create(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// run executes a plugin verb in this process.
func run(newCmd func(common.Factory, genericiooptions.IOStreams) *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}
