package hubenv

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/testenv"
)

// BuildAgent builds bin/kimport-agent's equivalent into a temporary directory in the
// background; the returned function waits for it and gives the binary's path.
func BuildAgent(t testing.TB) func(testing.TB) string {
	t.Helper()
	testenv.SkipShort(t)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kimport-agent")
	done := make(chan error, 1)
	go func() {
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/kimport-agent")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			done <- errors.New(string(out) + err.Error())
			return
		}
		done <- nil
	}()
	wait := sync.OnceValue(func() error { return <-done })
	return func(t testing.TB) string {
		t.Helper()
		if err := wait(); err != nil {
			t.Fatalf("go build ./cmd/kimport-agent: %v", err)
		}
		return bin
	}
}

// Agent is a kimport-agent running as a local process, as the downstream's Deployment would
// run it.
type Agent struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
	err  error
}

// StartAgent runs bin with args; it is stopped (by its pid) when the test ends.
func StartAgent(t testing.TB, bin string, args ...string) *Agent {
	t.Helper()
	return StartAgentWithEnv(t, bin, nil, args...)
}

// StartAgentWithEnv is StartAgent with env (NAME=VALUE) added to the test's environment.
func StartAgentWithEnv(t testing.TB, bin string, env []string, args ...string) *Agent {
	t.Helper()
	a := &Agent{cmd: exec.Command(bin, args...), out: &lockedBuffer{}, done: make(chan error, 1)}
	if env != nil {
		a.cmd.Env = append(os.Environ(), env...)
	}
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	go func() { a.done <- a.cmd.Wait() }()
	t.Cleanup(func() {
		a.Stop()
		if t.Failed() {
			t.Logf("kimport-agent log:\n%s", a.Log())
		}
	})
	return a
}

// Stop sends SIGTERM to the agent's pid, then SIGKILL after 10 s; it returns how it ended.
func (a *Agent) Stop() error {
	if a.done == nil {
		return a.err
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case a.err = <-a.done:
	case <-time.After(10 * time.Second):
		_ = a.cmd.Process.Kill()
		a.err = <-a.done
	}
	a.done = nil
	return a.err
}

// Exited says whether the agent ended by itself, and how.
func (a *Agent) Exited(within time.Duration) (bool, error) {
	if a.done == nil {
		return true, a.err
	}
	select {
	case a.err = <-a.done:
		a.done = nil
		return true, a.err
	case <-time.After(within):
		return false, nil
	}
}

// Log is everything the agent wrote so far.
func (a *Agent) Log() string { return a.out.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
