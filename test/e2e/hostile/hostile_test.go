// Package hostile tries issue 17's fourth attack against real processes: a join token
// completes a direct-mode registration by hand, pointing the hub at a TLS endpoint it controls
// that answers with a gzip bomb or a namespace list of hundreds of megabytes. The hub
// component runs as deployed: the webhook and the reconciler as two processes (bin/webhook),
// each as its own ServiceAccount with the deployed RBAC and GOMEMLIMIT at its deployed limit.
package hostile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/create"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/nodeconfig"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/preflight"
)

// downstreamToken is the "agent token" the attacker hands over; it must never be shown.
const downstreamToken = "hostile-downstream-token-never-shown"

// Knobs for measuring another build (e.g. main's, for the figure before the fix):
// KIMPORT_HOSTILE_CONTROLLER_BIN runs that binary as the reconciler (it is given the gateway's
// flags: a build from before the gateway refuses them); KIMPORT_HOSTILE_BOMB_MIB
// and KIMPORT_HOSTILE_LIST_MIB size the bomb (default 1024: 1 GiB of zeros) and the namespace
// list (default 500).
func knobs(t *testing.T) (controllerBin string, bombSize, listSize int64) {
	mib := func(name string, def int64) int64 {
		v := os.Getenv(name)
		if v == "" {
			return def << 20
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive number of MiB", name, v)
		}
		return n << 20
	}
	return os.Getenv("KIMPORT_HOSTILE_CONTROLLER_BIN"), mib("KIMPORT_HOSTILE_BOMB_MIB", 1024), mib("KIMPORT_HOSTILE_LIST_MIB", 500)
}

// TestHostileDownstreams: while two hostile direct-mode registrations are probed every second
// (a 1 GiB gzip bomb on every path; a 500 MB namespace list), the reconciler's peak RSS stays
// within its deployed memory limit, both processes stay up, each hostile cluster shows
// Connected False with reason AnsweredTooMuch and the limit it passed, a well-behaved
// direct-mode cluster stays Active, and every other cluster's write is admitted by the webhook
// (which still refuses what it must).
func TestHostileDownstreams(t *testing.T) {
	testenv.SkipShort(t)
	ctrl.SetLogger(logr.Discard()) // the verbs run in this process
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	controllerBin, bombSize, listSize := knobs(t)
	buildWebhook := hubenv.BuildWebhook(t)
	bomb := gzipBomb(t, bombSize)
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub"}, testenv.Options{Name: "plain"})
	hub, plain := clusters[0], clusters[1]
	ctx := context.Background()
	if err := testenv.CreateNodes(ctx, plain.Client, "node", 2, plain.Version, nil); err != nil {
		t.Fatal(err)
	}
	port := hubenv.FreePort(t)
	if out, err := run(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", fmt.Sprintf("https://localhost:%d", port)); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	bin := buildWebhook(t)
	if controllerBin == "" {
		controllerBin = bin
	}
	webhook := hubenv.StartWebhookProcess(t, hub, bin, port)
	controller := hubenv.StartControllerProcess(t, hub, controllerBin, hubenv.FreePort(t), "--probe-interval", "1s", "--probe-timeout", "5s")

	if out, err := run(cluster.NewCmd, "good", "--mode", "direct", "--kubeconfig", plain.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig, "--timeout", "2m"); err != nil {
		t.Fatalf("importing a well-behaved cluster: %v\n%s", err, out)
	}
	before := [2]float64{peakRSSMiB(t, controller.Pid()), peakRSSMiB(t, webhook.Pid())}

	endpoints := map[string]*endpoint{
		"bomb":      startEndpoint(t, bombEverything(bomb)),
		"huge-list": startEndpoint(t, hugeNamespaceList(listSize)),
	}
	for name, e := range endpoints {
		registerByHand(t, hub, name, e)
	}
	others := startOtherWrites(t, hub)
	want := map[string]string{
		"bomb": "answered GET /version with more than 2 MiB (decompressed)",
		// 4 MiB or 50,000 objects, whichever comes first: its items are small.
		"huge-list": "answered GET /api/v1/namespaces with more than ",
	}
	for name := range endpoints {
		waitCondition(t, hub, name, want[name]) // on failure the figures below are still logged
	}
	time.Sleep(20 * time.Second) // a probe a second of each, the webhook admitting the others
	admitted, refusedDuplicates, failures := others.stop()
	after := [2]float64{peakRSSMiB(t, controller.Pid()), peakRSSMiB(t, webhook.Pid())}
	limitMiB := [2]float64{float64(controller.MemoryLimit) / (1 << 20), float64(webhook.MemoryLimit) / (1 << 20)}
	t.Logf("bomb: %d MiB of zeros, %d bytes gzipped; served %d requests, %d bytes; namespace list of %d MiB: %d requests, %d bytes sent",
		bombSize>>20, len(bomb), endpoints["bomb"].requests.Load(), endpoints["bomb"].sent.Load(),
		listSize>>20, endpoints["huge-list"].requests.Load(), endpoints["huge-list"].sent.Load())
	t.Logf("peak RSS (VmHWM) of the reconciler: %.1f MiB before the attack, %.1f MiB after (deployed limit %.0f MiB); of the webhook: %.1f MiB, %.1f MiB (limit %.0f MiB)",
		before[0], after[0], limitMiB[0], before[1], after[1], limitMiB[1])
	t.Logf("other clusters' writes during the attack: %d admitted, %d duplicates refused by the webhook", admitted, refusedDuplicates)

	const slackMiB = 8 // "a few MiB"
	for i, who := range []string{"reconciler (kimport-controller)", "webhook (kimport-webhook)"} {
		if after[i] > limitMiB[i]+slackMiB {
			t.Errorf("the %s peaked at %.1f MiB, over its deployed limit of %.0f MiB (+%d)", who, after[i], limitMiB[i], slackMiB)
		}
	}
	for _, p := range []*hubenv.Component{controller, webhook} {
		if exited, err := p.Exited(0); exited {
			t.Errorf("a hub component exited during the attack: %v", err)
		}
	}
	for name, e := range endpoints {
		if e.requests.Load() < 5 {
			t.Errorf("%s: the hub sent only %d requests; the attack was not tried", name, e.requests.Load())
		}
	}
	if len(failures) > 0 || admitted < 20 || refusedDuplicates < 5 {
		t.Errorf("other clusters' writes: %d admitted, %d duplicates refused, failures: %v", admitted, refusedDuplicates, failures)
	}
	waitPhase(t, hub, "good", v1alpha1.PhaseActive)
	pluginVerbsAreBounded(t, hub, endpoints["bomb"])
	for _, log := range []string{controller.Log(), webhook.Log()} {
		if strings.Contains(log, downstreamToken) {
			t.Error("a hub component logged the downstream's token")
		}
	}
}

// pluginVerbsAreBounded: the verbs that read a downstream refuse the bomb, naming the
// downstream and the limit, exit 1, and print no token: node-config through the credentials
// the hub stores, preflight through a kubeconfig of the endpoint.
func pluginVerbsAreBounded(t *testing.T, hub *testenv.Cluster, bomb *endpoint) {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "bomb.kubeconfig")
	cfg := &rest.Config{Host: bomb.URL, BearerToken: downstreamToken, TLSClientConfig: rest.TLSClientConfig{CAData: bomb.CA}}
	if err := testenv.WriteKubeconfig(kubeconfig, "bomb", cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		verb    plugintest.NewCmd
		args    []string
		refusal string
	}{
		{nodeconfig.NewCmd, []string{"bomb", "--hub-kubeconfig", hub.Kubeconfig}, "answered GET /api/v1/nodes with more than 32 MiB (decompressed)"},
		{preflight.NewCmd, []string{"--kubeconfig", kubeconfig, "--hub-kubeconfig", hub.Kubeconfig}, "with more than 32 MiB (decompressed)"},
	} {
		out, err := run(c.verb, c.args...)
		all := out
		if err != nil {
			all += bodylimit.Cause(err).Error()
		}
		if err == nil || !strings.Contains(all, c.refusal) || !strings.Contains(all, bomb.URL) {
			t.Errorf("kubectl import %s: %v\n%s\nwant a refusal naming %s and %q", strings.Join(c.args, " "), err, out, bomb.URL, c.refusal)
		}
		if strings.Contains(all, downstreamToken) {
			t.Errorf("kubectl import %s printed the token", strings.Join(c.args, " "))
		}
	}
}

// registerByHand completes a registration as its join token alone can: `kubectl import create`
// by the hub admin, then the two writes join makes (identity and mode on the ImportedCluster,
// the credentials Secret), naming e and its CA, with no cluster behind them.
func registerByHand(t *testing.T, hub *testenv.Cluster, name string, e *endpoint) {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), name+".join-token")
	if out, err := run(create.NewCmd, name, "--hub-kubeconfig", hub.Kubeconfig, "--token-file", tokenFile); err != nil {
		t.Fatalf("create %s: %v\n%s", name, err, out)
	}
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	joiner, err := importer.Connect(joinflow.HubConfig(hub.Config.Host, hub.Config.CAData, strings.TrimSpace(string(token))))
	if err != nil {
		t.Fatal(err)
	}
	req := importer.Request{Name: name, ClusterID: uuid.NewString(), APIServer: e.URL, CAData: e.CA, Mode: v1alpha1.ModeDirect}
	var out bytes.Buffer
	if err := joinflow.SetIdentity(context.Background(), joiner, req, &out); err != nil {
		t.Fatalf("%s: the join token could not set identity, endpoint and mode: %v", name, err)
	}
	if err := joinflow.HandOverCredentials(context.Background(), joiner, req, downstreamToken, &out); err != nil {
		t.Fatalf("%s: the join token could not hand over credentials: %v", name, err)
	}
}

// waitCondition waits until cluster name is not connected because its downstream answered
// too much, the message naming want, and shows no token.
func waitCondition(t *testing.T, hub *testenv.Cluster, name, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last string
	for time.Now().Before(deadline) {
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err == nil {
			if c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionConnected); c != nil {
				last = fmt.Sprintf("%s %s: %s", c.Status, c.Reason, c.Message)
				if c.Status == metav1.ConditionFalse && c.Reason == v1alpha1.ReasonAnsweredTooMuch && strings.Contains(c.Message, want) {
					if strings.Contains(c.Message, downstreamToken) {
						t.Errorf("%s: the condition shows the token: %s", name, c.Message)
					}
					t.Logf("%s: Connected %s", name, last)
					return
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("%s: Connected is %q, want False, %s, naming %q", name, last, v1alpha1.ReasonAnsweredTooMuch, want)
}

func waitPhase(t *testing.T, hub *testenv.Cluster, name string, want v1alpha1.Phase) {
	t.Helper()
	var ic v1alpha1.ImportedCluster
	if err := hub.Client.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err != nil || ic.Status.Phase != want {
		t.Errorf("%s: phase %q (%v), want %s; conditions %+v", name, ic.Status.Phase, err, want, ic.Status.Conditions)
	}
}

// peakRSSMiB is VmHWM of /proc/<pid>/status.
func peakRSSMiB(t *testing.T, pid int) float64 {
	t.Helper()
	mib, err := testenv.ProcMemMiB(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	return mib
}

// run executes a verb in-process with captured output.
func run(newCmd plugintest.NewCmd, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}
