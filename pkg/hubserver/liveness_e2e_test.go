package hubserver_test

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/agentlink"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/liveness"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// TestLivenessFromTheTunnel: with the hub component as deployed (webhook; reconciler with the
// gateway, as their ServiceAccounts) and an agent's tunnel and heartbeat loop (pkg/agentlink,
// agentrun.Heartbeat) reaching the hub API server through a proxy the test controls, the
// cluster is Active with the agent renewing nothing; a silent agent (its connection frozen,
// not closed) shows Unavailable within 45 s, a killed one (its connection closed) within
// 30 s; back, it is Active again; and a restart of the hub component leaves it Active
// throughout.
func TestLivenessFromTheTunnel(t *testing.T) {
	testenv.SkipShort(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	ctx := context.Background()
	hub := testenv.Start(t, testenv.Options{Name: "hub"})
	srv := hubenv.New(t, hub)
	var out bytes.Buffer
	init := initcmd.NewCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	init.SetArgs([]string{"--kubeconfig", hub.Kubeconfig, "--webhook-url", srv.URL, "--gateway-url", srv.GatewayURL})
	if err := init.ExecuteContext(ctx); err != nil {
		t.Fatalf("init: %v\n%s", err, out.String())
	}
	srv.Start(t)

	const name = "edge"
	req := importer.Request{Name: name, ClusterID: "0b6e4f5c-3f1c-4f7e-9d2a-6c1f5e8d9a10", APIServer: "https://edge.example:6443", Mode: v1alpha1.ModeAgent}
	must(t, hub.Client.Create(ctx, req.IdentityClaim()))
	ic, err := importer.Register(ctx, hub.Client, req, "", io.Discard)
	must(t, err)
	_, err = importer.ApplyAgentIdentity(ctx, hub.Client, ic, io.Discard)
	must(t, err)
	tr := agent.TokenRequest(agent.HubTokenLifetime)
	must(t, hub.Client.SubResource("token").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.AgentName(name)}}, tr))

	// The agent, reaching the hub through the proxy.
	hubURL, err := url.Parse(hub.Config.Host)
	must(t, err)
	proxy := startFreezeProxy(t, hubURL.Host)
	cfg := &rest.Config{Host: "https://" + proxy.addr(), BearerToken: tr.Status.Token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.Config.CAData}}
	agentCtx, stopAgent := context.WithCancel(ctx)
	var wg sync.WaitGroup
	t.Cleanup(func() { stopAgent(); wg.Wait() })
	link := &agentrun.Link{}
	leases := kubernetes.NewForConfigOrDie(cfg).CoordinationV1()
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = agentlink.Run(agentCtx, agentlink.Options{Cluster: name, Hub: cfg, Downstream: &rest.Config{Host: "https://127.0.0.1:1"}, OnSession: link.Set, Log: logr.Discard()})
	}()
	go func() { defer wg.Done(); _ = agentrun.Heartbeat(agentCtx, leases, name, link) }()
	// What the agent's sync reports: the downstream reached, projects and members in place.
	agentClient, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	must(t, err)
	var stored v1alpha1.ImportedCluster
	must(t, agentClient.Get(ctx, client.ObjectKey{Name: name}, &stored))
	observed := stored.DeepCopy()
	for _, c := range []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
		status.SetCondition(observed, c, metav1.ConditionTrue, "Observed", "observed by the agent")
	}
	must(t, agentrun.Report(ctx, agentClient, agentClient, &stored, &observed.Status))

	phase := func() (v1alpha1.Phase, string) {
		var got v1alpha1.ImportedCluster
		must(t, hub.Client.Get(ctx, client.ObjectKey{Name: name}, &got))
		return got.Status.Phase, status.ConditionReason(&got.Status, v1alpha1.ConditionHeartbeat)
	}
	waitPhase := func(what string, want v1alpha1.Phase, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			got, reason := phase()
			if got == want {
				t.Logf("%s: %s (%s) after %s", what, got, reason, time.Since(start).Round(100*time.Millisecond))
				return time.Since(start)
			}
			if time.Since(start) > within {
				t.Fatalf("%s: %s (%s) after %s, want %s", what, got, reason, within, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	lease := func() *coordinationv1.Lease {
		var l coordinationv1.Lease
		must(t, hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.HeartbeatName(name)}, &l))
		return &l
	}

	waitPhase("the agent attached", v1alpha1.PhaseActive, 60*time.Second)
	if _, reason := phase(); reason != v1alpha1.ReasonAttached {
		t.Errorf("Heartbeat %s, want %s", reason, v1alpha1.ReasonAttached)
	}
	time.Sleep(10 * time.Second) // past the heartbeat's first wait: a connected agent renews nothing
	if l := lease(); l.Spec.RenewTime != nil {
		t.Errorf("the connected agent renewed its Lease at %s", l.Spec.RenewTime)
	}

	t.Run("a silent agent shows Unavailable within 45s", func(t *testing.T) {
		proxy.freeze()
		waitPhase("frozen", v1alpha1.PhaseUnavailable, 45*time.Second)
		proxy.thaw()
		waitPhase("thawed: the agent reattaches", v1alpha1.PhaseActive, 90*time.Second)
	})

	outer := t // the restarted component must outlive the subtest (Start stops it at the end of the test it is given)
	t.Run("a restart of the hub component leaves it Active", func(t *testing.T) {
		srv.Stop(outer)
		srv.Start(outer)
		deadline := time.Now().Add(liveness.StartupGrace + liveness.ReconnectGrace + 5*time.Second)
		for time.Now().Before(deadline) {
			if got, reason := phase(); got != v1alpha1.PhaseActive {
				t.Fatalf("%s (%s) during the restart", got, reason)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if _, reason := phase(); reason != v1alpha1.ReasonAttached {
			t.Errorf("Heartbeat %s after the restart, want %s", reason, v1alpha1.ReasonAttached)
		}
	})

	t.Run("a killed agent shows Unavailable within 30s", func(t *testing.T) {
		stopAgent()
		proxy.cut()
		waitPhase("killed", v1alpha1.PhaseUnavailable, 30*time.Second)
		if _, reason := phase(); reason != v1alpha1.ReasonLate {
			t.Errorf("Heartbeat %s, want %s", reason, v1alpha1.ReasonLate)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
