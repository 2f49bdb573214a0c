// Package release_test checks what a release ships, as a user meets it: the archives `make dist`
// writes (reproducible, checksummed), the krew manifest validated by krew's own validator, the
// plugin installed by real krew from the local archive (no network, no index), run through
// kubectl, and `kubectl import <TAB>` completing cluster names from a real hub.
package release_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/internal/release"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

const testVersion = "v0.1.0-releasetest"

// distFor runs what `make dist` runs, for this machine's platform only (a cold cross-build of
// every platform takes many minutes; hack/dist covers them, with the same code).
func distFor(t *testing.T, out string) *release.DistResult {
	t.Helper()
	res, err := release.Dist(context.Background(), release.DistOptions{
		ModuleDir: repoRoot(t),
		OutDir:    out,
		Version:   testVersion,
		MTime:     time.Unix(1700000000, 0),
		Platforms: []release.Platform{{OS: runtime.GOOS, Arch: runtime.GOARCH}},
	})
	if err != nil {
		t.Fatalf("dist: %v", err)
	}
	return res
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestKrewRelease(t *testing.T) {
	skipShort(t)
	krew := tool(t, "krew")
	validate := tool(t, "validate-krew-manifest")
	lookPath(t, "kubectl")

	first := distFor(t, t.TempDir())
	second := distFor(t, t.TempDir())
	archive := first.Archives[0].Path

	t.Run("two builds give byte-identical files", func(t *testing.T) {
		for _, pair := range [][2]string{
			{first.Archives[0].Path, second.Archives[0].Path},
			{first.Checksums, second.Checksums},
			{first.Manifest, second.Manifest},
		} {
			a, b := sha256File(t, pair[0]), sha256File(t, pair[1])
			if a != b {
				t.Errorf("%s: sha256 %s then %s", filepath.Base(pair[0]), a, b)
			}
		}
	})

	t.Run("checksums.txt and the manifest carry the archive's lowercase sha256", func(t *testing.T) {
		sum := sha256File(t, archive)
		checksums, _ := os.ReadFile(first.Checksums)
		if want := sum + "  " + filepath.Base(archive) + "\n"; string(checksums) != want {
			t.Errorf("checksums.txt = %q, want %q", checksums, want)
		}
		manifest, _ := os.ReadFile(first.Manifest)
		if !bytes.Contains(manifest, []byte("sha256: "+sum+"\n")) {
			t.Errorf("import.yaml lacks sha256: %s\n%s", sum, manifest)
		}
		wantURI := "uri: https://github.com/kubectl-import/kubectl-import/releases/download/" + testVersion + "/" + filepath.Base(archive)
		if !bytes.Contains(manifest, []byte(wantURI)) {
			t.Errorf("import.yaml lacks %q", wantURI)
		}
	})

	t.Run("validate-krew-manifest passes", func(t *testing.T) {
		out, err := exec.Command(validate, "-manifest", first.Manifest, "-skip-install").CombinedOutput()
		if err != nil {
			t.Fatalf("validate-krew-manifest: %v\n%s", err, out)
		}
	})

	k := newKrewHome(t, krew)

	t.Run("krew refuses an archive whose sha256 differs from the manifest's", func(t *testing.T) {
		manifest, _ := os.ReadFile(first.Manifest)
		bad := bytes.ReplaceAll(manifest, []byte(first.Archives[0].SHA256), []byte(strings.Repeat("ab", 32)))
		badPath := filepath.Join(t.TempDir(), "import.yaml")
		if err := os.WriteFile(badPath, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := k.kubectl(nil, "krew", "install", "--manifest="+badPath, "--archive="+archive)
		if err == nil || !strings.Contains(err.Error(), "checksum") {
			t.Fatalf("krew installed from an archive with a wrong sha256, or failed otherwise: %v", err)
		}
	})

	out, err := k.kubectl(nil, "krew", "install", "--manifest="+first.Manifest, "--archive="+archive)
	if err != nil {
		t.Fatalf("kubectl krew install --manifest --archive: %v", err)
	}
	if !strings.Contains(out+k.lastStderr, "Installed plugin: import") {
		t.Errorf("krew install did not report the plugin installed:\n%s%s", out, k.lastStderr)
	}

	t.Run("krew installed from the archive alone", func(t *testing.T) {
		index, err := os.ReadDir(filepath.Join(k.root, "index"))
		if err != nil || len(index) != 0 {
			t.Errorf("krew's index dir holds %v (%v): install --manifest must not fetch an index", index, err)
		}
		store := filepath.Join(k.root, "store", release.PluginName, testVersion)
		for _, name := range []string{"kubectl-import", "kubectl_complete-import", "LICENSE"} {
			if _, err := os.Stat(filepath.Join(store, name)); err != nil {
				t.Errorf("the krew store lacks %s: %v", name, err)
			}
		}
		if _, err := os.Stat(filepath.Join(k.root, "receipts", "import.yaml")); err != nil {
			t.Errorf("no krew receipt: %v", err)
		}
	})

	t.Run("kubectl import version prints the stamped version", func(t *testing.T) {
		out, err := k.kubectl(nil, "import", "version")
		if err != nil {
			t.Fatal(err)
		}
		if want := "kubectl-import " + testVersion + " ("; !strings.HasPrefix(out, want) {
			t.Errorf("kubectl import version = %q, want it to start with %q", out, want)
		}
	})

	t.Run("kubectl import --help", func(t *testing.T) {
		out, err := k.kubectl(nil, "import", "--help")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Usage:\n  kubectl import [command]", "completion", "describe", "version"} {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl import --help lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("kubectl import <TAB> completes verbs and cluster names from a real hub", func(t *testing.T) {
		// What the manifest's caveats tell users to do: krew links only the plugin binary.
		script := filepath.Join(k.root, "store", release.PluginName, testVersion, "kubectl_complete-import")
		if err := os.Symlink(script, filepath.Join(k.root, "bin", "kubectl_complete-import")); err != nil {
			t.Fatal(err)
		}
		hub := hubtest.Start(t)
		hubtest.Create(t, hub.Client, hubtest.Alpha(metav1.Now().Time))
		hubtest.Create(t, hub.Client, hubtest.Beta())
		hubEnv := map[string]string{"KUBECONFIG": hub.Kubeconfig, common.HubContextEnv: hub.Name}

		out, err := k.kubectl(hubEnv, "__complete", "import", "describe", "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "alpha\tActive\n") || !strings.Contains(out, "beta\tPending\n") {
			t.Errorf("kubectl import describe <TAB> did not list alpha and beta:\n%s", out)
		}
		out, _ = k.kubectl(hubEnv, "__complete", "import", "projects", "b")
		if !strings.Contains(out, "beta\tPending\n") || strings.Contains(out, "alpha") {
			t.Errorf("kubectl import projects b<TAB> should list beta only:\n%s", out)
		}
		out, _ = k.kubectl(hubEnv, "__complete", "import", "")
		for _, verb := range []string{"describe", "list", "completion", "version"} {
			if !strings.Contains(out, "\n"+verb+"\t") && !strings.HasPrefix(out, verb+"\t") {
				t.Errorf("kubectl import <TAB> lacks the verb %s:\n%s", verb, out)
			}
		}
		out, _ = k.kubectl(hubEnv, "__complete", "import", "describe", "--hub-k")
		if !strings.Contains(out, "--hub-kubeconfig") {
			t.Errorf("kubectl import describe --hub-k<TAB> lacks --hub-kubeconfig:\n%s", out)
		}
	})
}

// krewHome is a krew installation in a temporary KREW_ROOT, run through kubectl.
type krewHome struct {
	root, home, shims string
	lastStderr        string // of the last successful command
}

func newKrewHome(t *testing.T, krew string) *krewHome {
	k := &krewHome{root: t.TempDir(), home: t.TempDir(), shims: t.TempDir()}
	// kubectl finds krew as the plugin kubectl-krew.
	if err := os.Symlink(krew, filepath.Join(k.shims, "kubectl-krew")); err != nil {
		t.Fatal(err)
	}
	return k
}

// kubectl runs kubectl with krew's bin first on PATH and returns its standard output; an error
// carries the standard error. Every proxy variable points at a closed
// local port, so any attempt to reach the network (an index update, an upgrade check, a
// download) fails the command instead of going out.
func (k *krewHome) kubectl(extra map[string]string, args ...string) (string, error) {
	vars := map[string]string{
		"KREW_ROOT":             k.root,
		"KREW_NO_UPGRADE_CHECK": "1",
		"PATH":                  filepath.Join(k.root, "bin") + string(os.PathListSeparator) + k.shims + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME":                  k.home,
		"XDG_CONFIG_HOME":       filepath.Join(k.home, ".config"),
		"KUBECONFIG":            filepath.Join(k.home, "no-kubeconfig"),
		"HTTP_PROXY":            "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
		"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
		"NO_PROXY": "", "no_proxy": "",
		common.HubContextEnv: "",
	}
	for key, v := range extra {
		vars[key] = v
	}
	cmd := exec.Command("kubectl", args...)
	cmd.Env = env(vars)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, errOut.String())
	}
	k.lastStderr = errOut.String()
	return out.String(), nil
}
