// Package layers checks the floors of docs/architecture.md on every import of the module:
// API types → pure logic → flows → plugin base → entry points → assembly → mains. It reads the
// floors and the packages on each from the document itself (section Layers), so the document
// and the code cannot drift apart: a package the document does not place fails, and so does a
// package it names that does not exist.
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

// The floors, bottom up, as docs/architecture.md titles them. A package may import its own
// floor and the floors below it.
const (
	api         = iota + 1 // API types and what every part shares with them
	logic                  // pure logic: no clients, no I/O beyond the values passed in
	flows                  // flows over the API and the network (and the test environments)
	pluginBase             // what every plugin verb shares
	entryPoints            // one package per plugin verb; the hub component; the agent
	assembly               // the plugin's root command; the in-process hub of tests
	mains                  // cmd/, release tooling, repository-level tests
)

var floorTitles = map[int]string{api: "API types", logic: "Pure logic", flows: "Flows", pluginBase: "Plugin base",
	entryPoints: "Entry points", assembly: "Assembly", mains: "Mains and tooling"}

// pure floors import no client and do no I/O of their own.
func pure(floor int) bool { return floor == api || floor == logic }

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

// placement is every package of the module on its floor, from the document.
type placement struct {
	floor map[string]int
	// verbs are the plugin verbs: one never imports another (what two verbs share goes to
	// pkg/plugin/common or below).
	verbs map[string]bool
}

func place(t *testing.T, pkgs []pkg) placement {
	t.Helper()
	doc := readFloors(t)
	names := map[string]bool{}
	for _, p := range pkgs {
		r, _ := rel(p.ImportPath)
		names[r] = true
	}
	pl := placement{floor: map[string]int{}, verbs: map[string]bool{}}
	globbed := map[string]int{}
	for _, f := range doc {
		for _, name := range f.packages {
			switch dir, glob := strings.CutSuffix(name, "/*"); {
			case glob:
				n := 0
				for p := range names {
					if parent, _, ok := cutLast(p); ok && parent == dir {
						if _, set := globbed[p]; !set {
							globbed[p] = f.floor
						}
						n++
					}
				}
				if n == 0 {
					t.Errorf("docs/architecture.md places %s on floor %q, but no package is under %s", name, floorTitles[f.floor], dir)
				}
				if name == "pkg/plugin/*" {
					for p := range names {
						if parent, _, _ := cutLast(p); parent == dir {
							pl.verbs[p] = true
						}
					}
				}
			case names[name]:
				if was, ok := pl.floor[name]; ok && was != f.floor {
					t.Errorf("docs/architecture.md places %s on two floors, %q and %q", name, floorTitles[was], floorTitles[f.floor])
				}
				pl.floor[name] = f.floor
			case looksLikePackage(name):
				t.Errorf("docs/architecture.md places %s on floor %q, but it is no package of the module: remove or correct it", name, floorTitles[f.floor])
			}
		}
	}
	// A package named explicitly is placed by its name, not by a glob (pkg/plugin/common is
	// the plugin base, not a verb).
	for p, f := range globbed {
		if _, ok := pl.floor[p]; !ok {
			pl.floor[p] = f
		} else {
			delete(pl.verbs, p)
		}
	}
	for p := range pl.verbs {
		if pl.floor[p] != entryPoints {
			delete(pl.verbs, p)
		}
	}
	return pl
}

func cutLast(p string) (string, string, bool) {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}

// looksLikePackage says whether a backquoted name of the document is meant as a package path.
func looksLikePackage(name string) bool {
	for _, root := range []string{"pkg/", "internal/", "cmd/", "hack/", "test/"} {
		if strings.HasPrefix(name, root) && !strings.ContainsAny(name, " .<>") {
			return true
		}
	}
	return false
}

// Production code imports only its own floor and those below it, and no verb imports another
// verb. Test code may import upward (an end-to-end test drives the plugin against the
// webhook), but only packages that are placed.
func TestLayers(t *testing.T) {
	pkgs := list(t)
	pl := place(t, pkgs)
	seen := map[string]bool{}
	for _, p := range pkgs {
		from, _ := rel(p.ImportPath)
		seen[from] = true
		floor, ok := pl.floor[from]
		if !ok {
			t.Errorf("%s is on no floor: place it in docs/architecture.md, section Layers", from)
			continue
		}
		for _, imp := range p.Imports {
			to, ours := rel(imp)
			if !ours {
				continue
			}
			switch f, ok := pl.floor[to]; {
			case !ok:
				// reported when the package itself is visited
			case f > floor:
				t.Errorf("%s (%s) imports %s (%s): a lower floor must not import a higher one", from, floorTitles[floor], to, floorTitles[f])
			case pl.verbs[from] && pl.verbs[to]:
				t.Errorf("verb %s imports verb %s: move what they share to pkg/plugin/common or below", from, to)
			}
		}
		for _, imp := range append(append([]string{}, p.TestImports...), p.XTestImports...) {
			if to, ours := rel(imp); ours && to != from {
				if _, ok := pl.floor[to]; !ok {
					t.Errorf("the tests of %s import %s, which is on no floor", from, to)
				}
			}
		}
	}
	var stale []string
	for p := range pl.floor {
		if !seen[p] {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		t.Errorf("%s is placed on a floor but is no package of the module", p)
	}
}

// The pure floors (API types, pure logic) reach no cluster, no network, no file and no
// process: their production code imports none of these.
var forbiddenInPure = []string{
	// Clients: clientsets, dynamic, rest, discovery, informers and caches, kubeconfig loading
	// (tools/clientcmd), event recorders, pagers, transports; controller-runtime's client,
	// manager, cache, controllers and webhooks; kubectl's flags and REST client getters.
	"k8s.io/client-go",
	"sigs.k8s.io/controller-runtime",
	"k8s.io/cli-runtime",
	"k8s.io/kubectl",
	// The network.
	"net", // the package itself; net/url and net/netip (parsing) are allowed below
	"net/http",
	"net/rpc",
	"net/smtp",
	"net/textproto",
	"crypto/tls",
	"golang.org/x/net",
	"github.com/gorilla/websocket",
	"github.com/hashicorp/yamux",
	"github.com/google/go-containerregistry",
	// Files and processes.
	"os",
	"os/exec",
	"os/signal",
	"io/ioutil",
	"syscall",
}

// allowedInPure are the justified exceptions: types and codecs, no client and no I/O.
var allowedInPure = map[string]string{
	"k8s.io/client-go/kubernetes/scheme":          "pkg/apis/scheme registers the built-in kinds from it; it holds types, no client",
	"k8s.io/client-go/tools/clientcmd/api":        "a kubeconfig as a Go value (pkg/hubca builds cluster-info's)",
	"k8s.io/client-go/tools/clientcmd/api/latest": "the kubeconfig codec, bytes to value and back (pkg/hubca), without clientcmd's file loading",
	"sigs.k8s.io/controller-runtime/pkg/scheme":   "the SchemeBuilder of pkg/apis/v1alpha1: registration of the API types",
}

// allowedInPurePackage are exceptions for one package.
var allowedInPurePackage = map[string]map[string]string{
	"pkg/gateway/access": {
		"net/http":      "it reads and rewrites the impersonation headers (http.Header) of a request the gateway forwards; it sends nothing",
		"net/textproto": "canonical header keys; it dials nothing",
	},
}

// forbidden says whether imp is on forbiddenInPure or below an entry of it; "net" and "os"
// name only themselves (net/url and net/netip parse; the os packages that do I/O are listed).
func forbidden(imp string) bool {
	for _, f := range forbiddenInPure {
		below := strings.HasPrefix(imp, f+"/") && f != "net" && f != "os"
		if imp == f || below {
			return true
		}
	}
	return false
}

func TestPureFloorsReachNothing(t *testing.T) {
	pkgs := list(t)
	pl := place(t, pkgs)
	n := 0
	for _, p := range pkgs {
		from, _ := rel(p.ImportPath)
		if !pure(pl.floor[from]) {
			continue
		}
		n++
		for _, imp := range p.Imports {
			if _, ok := allowedInPure[imp]; ok {
				continue
			}
			if _, ok := allowedInPurePackage[from][imp]; ok {
				continue
			}
			if forbidden(imp) {
				t.Errorf("%s (%s, pure) imports %s: a client or I/O belongs in a flow (floor %q); pure code takes what the flow read as values",
					from, floorTitles[pl.floor[from]], imp, floorTitles[flows])
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d packages on the pure floors: the document's list was not read", n)
	}
}

// The forbidden list catches what it is meant to, and lets the parsers through.
func TestForbiddenImports(t *testing.T) {
	for _, imp := range []string{"k8s.io/client-go/kubernetes", "k8s.io/client-go/dynamic", "k8s.io/client-go/rest",
		"k8s.io/client-go/discovery", "k8s.io/client-go/tools/clientcmd", "sigs.k8s.io/controller-runtime/pkg/client",
		"sigs.k8s.io/controller-runtime/pkg/manager", "net", "net/http", "net/http/httptest", "crypto/tls", "os", "os/exec"} {
		if !forbidden(imp) {
			t.Errorf("%s is not forbidden in pure packages", imp)
		}
	}
	for _, imp := range []string{"net/url", "net/netip", "crypto/x509", "k8s.io/apimachinery/pkg/runtime", "k8s.io/api/core/v1", "encoding/json"} {
		if forbidden(imp) {
			t.Errorf("%s is forbidden in pure packages", imp)
		}
	}
}

// Every floor of the document is one of the test's, in order, and every floor places something.
func TestDocumentListsTheFloors(t *testing.T) {
	doc := readFloors(t)
	if len(doc) != len(floorTitles) {
		t.Fatalf("docs/architecture.md lists %d floors, the test knows %d: %v", len(doc), len(floorTitles), floorTitles)
	}
	for i, f := range doc {
		if f.floor != i+1 {
			t.Errorf("floor %d of docs/architecture.md is %q, want %q", i+1, floorTitles[f.floor], floorTitles[i+1])
		}
		if len(f.packages) == 0 {
			t.Errorf("floor %q of docs/architecture.md names no package", floorTitles[f.floor])
		}
	}
}
