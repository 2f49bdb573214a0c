package release_test

import (
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

// repoRoot is the module's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// skipShort skips, under -short (make unit-test), a test that builds and runs the release
// binaries (tens of seconds); make test never passes -short, so there it always runs.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the release binaries: run make test")
	}
}

var makeTools sync.Once

// tool returns bin/tools/<name>, running `make tools` (go install from the module proxy) once
// when it is missing. A tool that cannot be built fails the test: it never skips.
func tool(t *testing.T, name string) string {
	t.Helper()
	root := repoRoot(t)
	path := filepath.Join(root, "bin", "tools", name)
	if _, err := os.Stat(path); err != nil {
		makeTools.Do(func() {
			cmd := exec.Command("make", "tools")
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("make tools: %v\n%s", err, out)
			}
		})
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing and 'make tools' did not build it (it builds sigs.k8s.io/krew/cmd/...@$(KREW_VERSION) from the Go module proxy): %v", path, err)
	}
	return path
}

// lookPath finds a program the machine must have (kubectl), failing clearly without it.
func lookPath(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required on PATH for this test: %v", name, err)
	}
	return path
}

// env is os.Environ() with the given variables replaced.
func env(overrides map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := overrides[k]; !ok {
			out = append(out, kv)
		}
	}
	for k, v := range overrides {
		out = append(out, k+"="+v)
	}
	return out
}

// discardLogger silences the in-process registry's request log.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
