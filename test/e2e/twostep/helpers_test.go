package twostep

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/create"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/join"
)

// testLog receives the transcript of each command; the e2e test points it at t.Log.
var testLog = func(string) {}

func execute(f common.Factory, newCmd plugintest.NewCmd, args []string) (string, string, error) {
	r := plugintest.Run(f, newCmd, args...)
	testLog(fmt.Sprintf("$ kubectl import %s %s\n%s%s(error: %v)", r.Command, redact(strings.Join(args, " ")), redact(r.Out), r.Err, r.Error))
	return r.Out, r.Err, r.Error
}

// startHub starts a hub running the hub component in-process (reconciler and webhook, called
// by URL over TLS, installed by `kubectl import init`) and the named downstreams, each with
// two nodes, all stopped when the test ends; command transcripts go to the test log.
func startHub(t *testing.T, downstreams ...string) (*testenv.Cluster, []*testenv.Cluster) {
	t.Helper()
	testLog = func(s string) { t.Log(s) }
	t.Cleanup(func() { testLog = func(string) {} })
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	t.Setenv(join.TokenEnv, "")
	opts := []testenv.Options{{Name: "hub"}}
	for _, name := range downstreams {
		opts = append(opts, testenv.Options{Name: name})
	}
	clusters := testenv.StartAll(t, opts...)
	hub := clusters[0]
	for _, ds := range clusters[1:] {
		if err := testenv.CreateNodes(context.Background(), ds.Client, "node", 2, ds.Version, nil); err != nil {
			t.Fatal(err)
		}
	}
	server := hubenv.New(t, hub)
	if _, _, err := execute(common.NewFactory(), initcmd.NewCmd, []string{"--kubeconfig", hub.Kubeconfig, "--webhook-url", server.URL}); err != nil {
		t.Fatalf("init: %v", err)
	}
	server.Start(t)
	return hub, clusters[1:]
}

// runCreate runs `kubectl import create`.
func runCreate(args ...string) (string, string, error) {
	return execute(common.NewFactory(), create.NewCmd, args)
}

// runJoin runs `kubectl import join`, stopping with an injected fault after the step failAfter.
// Without --mode it joins in direct mode: TestJoinAgentMode covers agent mode.
func runJoin(failAfter string, args ...string) (string, string, error) {
	if !slices.Contains(args, "--mode") {
		args = append(args, "--mode", "direct")
	}
	f := common.NewFactory()
	if failAfter != "" {
		f = plugintest.FailAfter(failAfter)
	}
	return execute(f, join.NewCmd, args)
}

var (
	joinLine  = regexp.MustCompile(`kubectl import join --hub (\S+) --ca-checksum (\S+) --token-file (\S+)`)
	tokenLine = regexp.MustCompile(`shown once[^\n]*\n\s+(\S+)\n`)
)

// joinCommand is what create printed: hub URL, token and checksum.
type joinCommand struct{ hub, token, checksum string }

func (j joinCommand) args(extra ...string) []string {
	return append([]string{"--hub", j.hub, "--token", j.token, "--ca-checksum", j.checksum}, extra...)
}

func parseJoin(t *testing.T, out string) joinCommand {
	t.Helper()
	m, tok := joinLine.FindStringSubmatch(out), tokenLine.FindStringSubmatch(out)
	if m == nil || tok == nil {
		t.Fatalf("create printed no join command or token:\n%s", redact(out))
	}
	return joinCommand{hub: m[1], token: tok[1], checksum: m[2]}
}

// redact keeps tokens out of test logs.
func redact(s string) string {
	s = regexp.MustCompile(`--token \S+`).ReplaceAllString(s, "--token <redacted>")
	return regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.[\w-]+`).ReplaceAllString(s, "<token redacted>")
}

// asToken is a client for the hub acting as token, the CA pinned.
func asToken(t *testing.T, hub *rest.Config, token string) client.Client {
	t.Helper()
	c, err := client.New(&rest.Config{Host: hub.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.CAData}},
		client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually polls cond for up to timeout; it fails the test with cond's last description.
var eventually = hubtest.Eventually

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, redact(s))
		}
	}
}

// applyAll server-side applies objects as another tool would.
func applyAll(t *testing.T, c client.Client, items []map[string]any) {
	t.Helper()
	for _, item := range items {
		u := &unstructured.Unstructured{Object: item}
		//lint:ignore SA1019 client.Apply patch type, as the import itself applies (pkg/importer/apply.go)
		if err := c.Patch(context.Background(), u, client.Apply, client.FieldOwner("gitops-tool")); err != nil {
			t.Fatalf("applying %s/%s: %v", u.GetKind(), u.GetName(), err)
		}
	}
}
