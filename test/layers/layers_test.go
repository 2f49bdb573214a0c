// Package layers checks the layering of docs/architecture.md on every import of the module:
// API types → pure logic → flows → entry points → cmd/. Every package is placed in a layer
// here; a package that is not fails the test, so a new one must be placed.
package layers

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/kubectl-import/kubectl-import"

// Layers, bottom up. A package may import its own layer and the layers below it.
const (
	api         = iota + 1 // API types and what every part shares with them
	logic                  // pure logic: no clients, no I/O beyond the values passed in
	flows                  // flows over the API (and the test environments they run in)
	pluginBase             // what every plugin verb shares
	entryPoints            // one package per plugin verb; the hub component
	assembly               // the plugin's root command; the in-process hub of tests
	mains                  // cmd/, release tooling, repository-level tests
)

var layerNames = map[int]string{api: "API types", logic: "pure logic", flows: "flows", pluginBase: "plugin base",
	entryPoints: "entry points", assembly: "assembly", mains: "mains and tooling"}

// layers places every package of the module (path relative to the module).
var layers = map[string]int{
	"pkg/apis/v1alpha1":   api,
	"pkg/apis/scheme":     api,
	"pkg/version":         api,
	"deploy":              api, // the manifests (the CRD is generated from the API types), embedded
	"pkg/apis/gatewayapi": api,

	"pkg/validate":        logic,
	"pkg/inspect":         logic,
	"pkg/k3s":             logic,
	"pkg/agent":           logic,
	"pkg/hubcreds":        logic,
	"pkg/hubca":           logic,
	"pkg/execinfo":        logic,
	"internal/restconfig": logic,
	"internal/bodylimit":  logic,
	"pkg/gateway/access":  logic,

	"pkg/importer":           flows,
	"pkg/importer/preflight": flows,
	"pkg/importer/join":      flows,
	"pkg/record":             flows,
	"pkg/controller":         flows,
	"pkg/clustersync":        flows,
	"pkg/inventory":          flows,
	"pkg/admission":          flows,
	// The hub gateway: the tunnel, forwarding, and its two ends (hub and agent).
	"pkg/gateway/tunnel":    flows,
	"pkg/gateway/forward":   flows,
	"pkg/gateway/agentlink": flows,
	"pkg/gateway/server":    flows,
	// Test environments: real control planes and fixtures, used by the tests of every layer.
	"internal/testenv":             flows,
	"internal/testenv/hubtest":     flows,
	"internal/testenv/k3stest":     flows,
	"internal/testenv/gatewaytest": flows,

	"pkg/plugin/common": pluginBase,
	// Runs the verbs in-process for their tests and the end-to-end tests.
	"internal/testenv/plugintest": pluginBase,

	"pkg/plugin/agentcmd":     entryPoints,
	"pkg/plugin/capabilities": entryPoints,
	"pkg/plugin/cluster":      entryPoints,
	"pkg/plugin/completion":   entryPoints,
	"pkg/plugin/create":       entryPoints,
	"pkg/plugin/credentials":  entryPoints,
	"pkg/plugin/deletecmd":    entryPoints,
	"pkg/plugin/describe":     entryPoints,
	"pkg/plugin/initcmd":      entryPoints,
	"pkg/plugin/join":         entryPoints,
	"pkg/plugin/list":         entryPoints,
	"pkg/plugin/members":      entryPoints,
	"pkg/plugin/nodeconfig":   entryPoints,
	"pkg/plugin/preflight":    entryPoints,
	"pkg/plugin/projects":     entryPoints,
	"pkg/plugin/upgrade":      entryPoints,
	"pkg/plugin/upgrader":     entryPoints,
	"pkg/plugin/versioncmd":   entryPoints,
	"pkg/hubserver":           entryPoints,
	"pkg/agentrun":            entryPoints,

	"pkg/plugin":              assembly,
	"internal/testenv/hubenv": assembly,

	"cmd/kubectl-import": mains,
	"cmd/webhook":        mains,
	"cmd/kimport-agent":  mains,
	"hack/devcluster":    mains,
	"hack/dist":          mains,
	"hack/image":         mains,
	"internal/release":   mains,
	"test/release":       mains,
	"test/fleet":         mains,
	"test/layers":        mains,
	// End-to-end tests across packages: the plugin, the hub component and the agent.
	"test/e2e/oneshot": mains,
	"test/e2e/twostep": mains,
	"test/e2e/hostile": mains,
	"test/e2e/escape":  mains,
}

// verb says whether p is a plugin verb: one verb never imports another (what two verbs
// share goes to pkg/plugin/common or below).
func verb(p string) bool {
	return strings.HasPrefix(p, "pkg/plugin/") && layers[p] == entryPoints
}

type pkg struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func rel(importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	r, ok := strings.CutPrefix(importPath, module+"/")
	return r, ok
}

// Production code imports only its own layer and those below it, and no verb imports
// another verb. Test code may import upward (an end-to-end test drives the plugin against the
// webhook), but only packages that are placed.
func TestLayers(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range list(t) {
		from, _ := rel(p.ImportPath)
		seen[from] = true
		layer, ok := layers[from]
		if !ok {
			t.Errorf("%s is in no layer: place it in test/layers/layers_test.go (see docs/architecture.md, Layers)", from)
			continue
		}
		for _, imp := range p.Imports {
			to, ours := rel(imp)
			if !ours {
				continue
			}
			switch l, ok := layers[to]; {
			case !ok:
				// reported when the package itself is visited
			case l > layer:
				t.Errorf("%s (%s) imports %s (%s): a lower layer must not import a higher one", from, layerNames[layer], to, layerNames[l])
			case verb(from) && verb(to):
				t.Errorf("verb %s imports verb %s: move what they share to pkg/plugin/common or below", from, to)
			}
		}
		for _, imp := range append(append([]string{}, p.TestImports...), p.XTestImports...) {
			if to, ours := rel(imp); ours && to != from {
				if _, ok := layers[to]; !ok {
					t.Errorf("the tests of %s import %s, which is in no layer", from, to)
				}
			}
		}
	}
	var stale []string
	for p := range layers {
		if !seen[p] {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		t.Errorf("%s is placed in a layer but is no package of the module: remove it from test/layers", p)
	}
}
