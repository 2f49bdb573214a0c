package admission_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubserver"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/deletecmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// env is one hub (the webhook installed by `kubectl import init --webhook-url` and served by
// the hub component in-process over TLS) and, with the reconciler, one plain downstream.
type env struct {
	hub, ds *testenv.Cluster
	server  *hubenv.Server
}

func start(t *testing.T, reconciler bool) *env {
	t.Helper()
	return startEnv(t, reconciler, reconciler, nil)
}

// startEnv is start with the downstream chosen apart from the reconciler, and configure (if
// any) tuning the hub component's options before it starts.
func startEnv(t *testing.T, reconciler, downstream bool, configure func(*hubserver.Options)) *env {
	t.Helper()
	testenv.SkipShort(t) // here: Start below runs on another goroutine, where a skip cannot stop the test
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	var e env
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.hub = testenv.Start(t, testenv.Options{Name: "hub"}) }()
	if downstream {
		e.ds = testenv.Start(t, testenv.Options{Name: "plain"})
	}
	wg.Wait()
	if e.hub == nil {
		t.FailNow()
	}
	e.server = hubenv.New(t, e.hub)
	e.server.Options.DisableReconciler = !reconciler
	if configure != nil {
		configure(&e.server.Options)
	}
	if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", e.hub.Kubeconfig, "--webhook-url", e.server.URL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	e.server.Start(t)
	return &e
}

// kubectl runs the real kubectl against the hub.
func (e *env) kubectl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", e.hub.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func runCmd(newCmd func(common.Factory, genericiooptions.IOStreams) *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as under the root command
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func manifest(name, clusterID string, annotations map[string]string, k3s string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kimport.dev/v1alpha1\nkind: ImportedCluster\nmetadata:\n  name: %s\n  labels:\n    %s: '%s'\n", name, v1alpha1.ClusterIDLabel, clusterID)
	if len(annotations) > 0 {
		b.WriteString("  annotations:\n")
		for k, v := range annotations {
			fmt.Fprintf(&b, "    %s: '%s'\n", k, v)
		}
	}
	fmt.Fprintf(&b, "spec:\n  clusterID: %s\n  apiServer: https://%s.example:6443\n  credentialsSecretRef:\n    name: %s-credentials\n", clusterID, name, name)
	if k3s != "" {
		b.WriteString("  k3s:\n" + k3s)
	}
	return b.String()
}

// idLabel is the label kimport.dev/cluster-id a record with clusterID id must carry.
func idLabel(id string) map[string]string { return map[string]string{v1alpha1.ClusterIDLabel: id} }

// setStatus plays the reconciler: an Active K3s cluster with 3 embedded-etcd servers and 5
// agents of which 2 are NotReady, written as the hub component (the only identity the
// webhook lets write status).
func setStatus(t *testing.T, e *env, name string) {
	t.Helper()
	c := e.server.Client
	var ic v1alpha1.ImportedCluster
	if err := c.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err != nil {
		t.Fatal(err)
	}
	ic.Status = v1alpha1.ImportedClusterStatus{
		Phase: v1alpha1.PhaseActive, Distribution: v1alpha1.DistK3s, KubernetesVersion: "v1.30.4+k3s1",
		Nodes: &v1alpha1.NodeSummary{Total: 8, Ready: 6, Etcd: 3,
			ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 3},
			Workers:      v1alpha1.PoolSummary{Total: 5, Ready: 3, NotReady: []string{"k3s-agent-4", "k3s-agent-5"}}},
	}
	if err := c.Status().Update(context.Background(), &ic); err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// clusterIDFor is a stable spec.clusterID for a test cluster named name: a lowercase UUID
// (the form of a kube-system namespace's UID, which the CRD and the Identity rule require),
// distinct per name.
func clusterIDFor(name string) string {
	h := sha256.Sum256([]byte(name))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

const deniedPrefix = `admission webhook "importedclusters.kimport.dev" denied the request: `

// kubectlInvalid is how kubectl shows a refusal answered as Invalid with causes (the webhook's
// answer; see TestExplainAdmissionNamesEachRule): "The ImportedCluster "NAME" is invalid: "
// and the causes, as for the API server's own validation.
const kubectlInvalid = `" is invalid: `

// TestRulesThroughKubectlApply: every rule of docs/architecture.md, refused or warned by the hub's
// API server calling the webhook, as a user of plain kubectl sees it.
func TestRulesThroughKubectlApply(t *testing.T) {
	e := start(t, false) // the test writes status itself, as the reconciler would
	apply := func(yaml string) (string, error) { return e.kubectl(t, yaml, "apply", "-f", "-") }

	t.Run("valid objects with both annotation prefixes are accepted", func(t *testing.T) {
		out, err := apply(manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", map[string]string{
			"capabilities/ingressCapabilities":                `[{"ingressProvider":"traefik","customDefaultBackend":false}]`,
			"capabilities.cattle.io/nodePortRange":            "30000-32767",
			"capabilities.cattle.io/loadBalancerCapabilities": `{"enabled":true,"provider":"ServiceLB","protocolsSupported":["TCP","UDP"],"healthCheckSupported":false}`,
			"capabilities/taintSupport":                       "true",
		}, ""))
		if err != nil || out != "importedcluster.kimport.dev/k3s-prod created\n" {
			t.Fatalf("apply: %v\n%s", err, out)
		}
		setStatus(t, e, "k3s-prod")
	})

	refusals := []struct {
		name, yaml, want string
	}{
		{"a second registration of a clusterID names the first",
			manifest("k3s-again", "00000000-0000-4000-8000-000000000001", nil, ""),
			`spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000001": this cluster is already imported as "k3s-prod" (Active); to import it under another name, run ` + "`kubectl import delete k3s-prod`" + ` first`},
		{"an Active cluster cannot be re-pointed",
			strings.Replace(manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, ""), "https://k3s-prod.example:6443", "https://elsewhere.example:6443", 1),
			`spec.apiServer: Invalid value: "https://elsewhere.example:6443": re-pointing an Active cluster is refused (it is "https://k3s-prod.example:6443"); to move it, ` + "`kubectl import delete k3s-prod`" + ` and import it again`},
		{"a malformed capability annotation names the annotation and field",
			manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", map[string]string{"capabilities.cattle.io/ingressCapabilities": `[{"ingressProvider":"nginx","customDefaultBackend":"yes"}]`}, ""),
			`metadata.annotations[capabilities.cattle.io/ingressCapabilities]`},
		{"an unknown capability suggests the closest name",
			manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", map[string]string{"capabilities/nodePortRanges": "30000-32767"}, ""),
			`metadata.annotations[capabilities/nodePortRanges]`},
		{"a quorum-breaking server concurrency",
			manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, "    upgradeStrategy:\n      serverConcurrency: 2\n"),
			`with 3 embedded-etcd servers at most 1 may upgrade at once, or etcd loses quorum; set it to 1`},
		{"a server concurrency above 1 on a cluster whose nodes were never observed (create)",
			manifest("k3s-new", clusterIDFor("k3s-new"), nil, "    upgradeStrategy:\n      serverConcurrency: 2\n"),
			"the hub has not observed this cluster's nodes yet (no status.nodes: it is being created, or was never reached), so it cannot check that 2 servers upgrading at once keep etcd quorum; set it to 1 now"},
		{"an upgrade started with more NotReady nodes than the concurrency",
			manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, "    version: v1.31.0+k3s1\n    upgradeStrategy:\n      workerConcurrency: 1\n"),
			`k3s-agent-4, k3s-agent-5`},
		{"a downgrade",
			manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, "    version: v1.29.9+k3s1\n    upgradeStrategy:\n      workerConcurrency: 3\n"),
			`spec.k3s.version`},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			out, err := apply(tc.yaml)
			if err == nil {
				t.Fatalf("admitted:\n%s", out)
			}
			mustContain(t, "kubectl apply", out, kubectlInvalid, tc.want)
			t.Logf("%s", out)
		})
	}

	t.Run("schema: clusterID is a lowercase UUID", func(t *testing.T) {
		for _, id := range []string{"uid-1", strings.ToUpper(clusterIDFor("shouting"))} {
			out, err := apply(manifest("bad-id", id, nil, ""))
			if err == nil {
				t.Fatalf("clusterID %q admitted:\n%s", id, out)
			}
			mustContain(t, "kubectl apply", out, `spec.clusterID: Invalid value: "`+id+`": spec.clusterID in body should match '^[0-9a-f]{8}-`)
		}
	})

	t.Run("schema: clusterID is immutable (CEL), concurrency at least 1", func(t *testing.T) {
		out, _ := apply(manifest("k3s-prod", "00000000-0000-4000-8000-000000000002", nil, ""))
		mustContain(t, "kubectl apply", out, "spec.clusterID is immutable")
		out, _ = apply(manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, "    upgradeStrategy:\n      workerConcurrency: 0\n"))
		mustContain(t, "kubectl apply", out, "spec.k3s.upgradeStrategy.workerConcurrency: Invalid value: 0: spec.k3s.upgradeStrategy.workerConcurrency in body should be greater than or equal to 1")
	})

	t.Run("non-fatal findings are warnings", func(t *testing.T) {
		out, err := apply(manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", map[string]string{"capabilities/pspEnabled": "T"}, ""))
		if err != nil {
			t.Fatalf("refused: %v\n%s", err, out)
		}
		mustContain(t, "kubectl apply", out, "Warning: ", "importedcluster.kimport.dev/k3s-prod configured")
		t.Logf("%s", out)
	})

	t.Run("nothing invalid was stored", func(t *testing.T) {
		var list v1alpha1.ImportedClusterList
		if err := e.hub.Client.List(context.Background(), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Spec.K3s != nil || list.Items[0].Spec.APIServer != "https://k3s-prod.example:6443" {
			t.Fatalf("stored: %+v", list.Items)
		}
	})

	t.Run("webhook stopped: writes fail closed naming the webhook", func(t *testing.T) {
		e.server.Stop(t)
		out, err := apply(manifest("other", "00000000-0000-4000-8000-000000000009", nil, ""))
		if err == nil {
			t.Fatalf("admitted with the webhook stopped:\n%s", out)
		}
		mustContain(t, "kubectl apply", out, `failed calling webhook "importedclusters.kimport.dev"`)
		err = e.hub.Client.Create(context.Background(), &v1alpha1.ImportedCluster{
			ObjectMeta: metav1.ObjectMeta{Name: "other", Labels: idLabel("00000000-0000-4000-8000-000000000001")},
			Spec:       v1alpha1.ImportedClusterSpec{ClusterID: "00000000-0000-4000-8000-000000000001", APIServer: "https://x.example", CredentialsSecretRef: v1alpha1.SecretReference{Name: "other-credentials"}},
		})
		explained := importer.ExplainAdmission(err)
		if explained == nil || !strings.Contains(explained.Error(), "the hub's admission webhook importedclusters.kimport.dev (ValidatingWebhookConfiguration kimport-webhook) cannot be reached") {
			t.Fatalf("plugin message = %v", explained)
		}
	})
}

// TestRacingImports: 20 imports of one cluster under 20 names, through `kubectl import
// cluster`, leave exactly one registration — with the webhook running, with it stopped (the
// writes fail closed; the identity claim still has one holder), and with no webhook at all
// (the atomic claim alone decides).
func TestRacingImports(t *testing.T) {
	e := start(t, true)
	ctx := context.Background()
	race := func(t *testing.T, round string) (wins []string, errs []string) {
		t.Helper()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("%s-%02d", round, i)
				out, err := runCmd(cluster.NewCmd, name, "--kubeconfig", e.ds.Kubeconfig, "--wait=false", "--mode", "direct")
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins = append(wins, name)
				} else {
					errs = append(errs, err.Error()+"\n"+out)
				}
			}()
		}
		wg.Wait()
		return wins, errs
	}
	registrations := func(t *testing.T) (ics []string, claims []string) {
		t.Helper()
		var list v1alpha1.ImportedClusterList
		if err := e.hub.Client.List(ctx, &list); err != nil {
			t.Fatal(err)
		}
		for _, ic := range list.Items {
			ics = append(ics, ic.Name)
		}
		var leases coordinationv1.LeaseList
		if err := e.hub.Client.List(ctx, &leases, client.InNamespace(v1alpha1.HubNamespace), client.HasLabels{v1alpha1.ClusterIDLabel}); err != nil {
			t.Fatal(err)
		}
		for _, l := range leases.Items {
			claims = append(claims, *l.Spec.HolderIdentity)
		}
		return ics, claims
	}
	disconnect := func(t *testing.T, name string) {
		t.Helper()
		if out, err := runCmd(deletecmd.NewCmd, name, "--timeout", "1m"); err != nil {
			t.Fatalf("delete %s: %v\n%s", name, err, out)
		}
		// The next import waits for nothing: let the downstream finish removing cattle-system.
		deadline := time.Now().Add(time.Minute)
		for {
			err := e.ds.Client.Get(ctx, client.ObjectKey{Name: "cattle-system"}, &corev1.Namespace{})
			if apierrors.IsNotFound(err) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("cattle-system still in the downstream a minute after delete (%v)", err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	t.Run("webhook running", func(t *testing.T) {
		wins, errs := race(t, "up")
		ics, claims := registrations(t)
		if len(wins) != 1 || len(ics) != 1 || ics[0] != wins[0] || len(claims) != 1 || claims[0] != wins[0] {
			t.Fatalf("wins %v, ImportedClusters %v, claims %v", wins, ics, claims)
		}
		for _, msg := range errs {
			mustContain(t, "loser", msg, "claimed by importedcluster "+wins[0])
		}
		disconnect(t, wins[0])
	})

	t.Run("webhook stopped", func(t *testing.T) {
		e.server.Stop(t)
		wins, errs := race(t, "down")
		ics, claims := registrations(t)
		if len(wins) != 0 || len(ics) != 0 || len(claims) != 1 {
			t.Fatalf("wins %v, ImportedClusters %v, claims %v", wins, ics, claims)
		}
		holder, unreachable := claims[0], 0
		for _, msg := range errs {
			if strings.Contains(msg, "cannot be reached") {
				unreachable++
				mustContain(t, "holder's error", msg, "importedclusters.kimport.dev", "run the command again")
			} else {
				mustContain(t, "loser", msg, "claimed by importedcluster "+holder)
			}
		}
		if unreachable < 1 {
			t.Errorf("no import said the webhook cannot be reached: %q", errs)
		}
		// The webhook back, the holder's re-run converges to one registration.
		e.server.Start(t)
		if out, err := runCmd(cluster.NewCmd, holder, "--kubeconfig", e.ds.Kubeconfig, "--wait=false", "--mode", "direct"); err != nil {
			t.Fatalf("re-run of %s: %v\n%s", holder, err, out)
		}
		if ics, claims := registrations(t); len(ics) != 1 || ics[0] != holder || len(claims) != 1 {
			t.Fatalf("after re-run: ImportedClusters %v, claims %v", ics, claims)
		}
		disconnect(t, holder)
	})

	t.Run("no webhook configured", func(t *testing.T) {
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "kimport-webhook"}}
		if err := e.hub.Client.Delete(ctx, vwc); err != nil {
			t.Fatal(err)
		}
		wins, _ := race(t, "none")
		ics, claims := registrations(t)
		if len(wins) != 1 || len(ics) != 1 || len(claims) != 1 || ics[0] != wins[0] {
			t.Fatalf("wins %v, ImportedClusters %v, claims %v", wins, ics, claims)
		}
	})
}

// TestCertificateRotation: serving certificates renewed every few seconds while ImportedCluster
// writes go on; not one write fails.
func TestCertificateRotation(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	hub := testenv.Start(t, testenv.Options{Name: "hub"})
	server := hubenv.New(t, hub)
	server.Options.ServerCertDuration = time.Hour
	server.Options.CertLookahead = time.Hour - 6*time.Second // each certificate is renewed after ~6 s
	server.Options.CertCheckInterval = time.Second
	if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", server.URL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	server.Start(t)
	ctx := context.Background()
	serials := map[string]bool{}
	var failures []error
	deadline := time.Now().Add(40 * time.Second)
	for i := 0; len(serials) < 3 && time.Now().Before(deadline); i++ {
		serials[servingFingerprint(t, server.Options.WebhookPort)] = true
		ic := &v1alpha1.ImportedCluster{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rot-%d", i), Labels: idLabel(clusterIDFor(fmt.Sprintf("rot-%d", i)))},
			Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterIDFor(fmt.Sprintf("rot-%d", i)), APIServer: "https://x.example",
				CredentialsSecretRef: v1alpha1.SecretReference{Name: fmt.Sprintf("rot-%d-credentials", i)}},
		}
		if err := hub.Client.Create(ctx, ic); err != nil {
			failures = append(failures, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(failures) > 0 {
		t.Errorf("%d writes failed during rotation: %v", len(failures), errors.Join(failures...))
	}
	if len(serials) < 3 {
		t.Fatalf("saw %d serving certificates in 40s, want at least 3 (two rotations)", len(serials))
	}
}
