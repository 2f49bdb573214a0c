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

	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

// BuildAgent builds bin/kimport-agent's equivalent into a temporary directory in the
// background; the returned function waits for it and gives the binary's path.
func BuildAgent(t testing.TB) func(testing.TB) string {
	t.Helper()
	return build(t, "kimport-agent")
}

// BuildWebhook builds bin/webhook's equivalent (the hub component) as BuildAgent does.
func BuildWebhook(t testing.TB) func(testing.TB) string {
	t.Helper()
	return build(t, "webhook")
}

// BuildPlugin builds bin/kubectl-import's equivalent (the plugin, as kubectl or a consumer's
// exec provider runs it) as BuildAgent does.
func BuildPlugin(t testing.TB) func(testing.TB) string {
	t.Helper()
	return build(t, "kubectl-import")
}

func build(t testing.TB, command string) func(testing.TB) string {
	t.Helper()
	testenv.SkipShort(t)
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), command)
	done := make(chan error, 1)
	go func() {
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/"+command)
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
			t.Fatalf("go build ./cmd/%s: %v", command, err)
		}
		return bin
	}
}

// Process is a program of this repository running as a local process: a kimport-agent, as
// the downstream's Deployment would run it, or the hub component.
type Process struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
	err  error
}

// Agent is a kimport-agent process.
type Agent = Process

// StartAgent runs bin with args; it is stopped (by its pid) when the test ends.
func StartAgent(t testing.TB, bin string, args ...string) *Agent {
	t.Helper()
	return StartAgentWithEnv(t, bin, nil, args...)
}

// StartAgentWithEnv is StartAgent with env (NAME=VALUE) added to the test's environment.
func StartAgentWithEnv(t testing.TB, bin string, env []string, args ...string) *Agent {
	t.Helper()
	return StartProcess(t, "kimport-agent", bin, env, args...)
}

// StartProcess runs bin with args and env (NAME=VALUE) added to the test's environment; it is
// stopped (by its pid) when the test ends, and its output logged if the test failed.
func StartProcess(t testing.TB, name, bin string, env []string, args ...string) *Process {
	t.Helper()
	a := &Process{name: name, cmd: exec.Command(bin, args...), out: &lockedBuffer{}, done: make(chan error, 1)}
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
			t.Logf("%s log:\n%s", a.name, a.Log())
		}
	})
	return a
}

// Pid is the process's id.
func (a *Process) Pid() int { return a.cmd.Process.Pid }

// Stop sends SIGTERM to the process's pid, then SIGKILL after 10 s; it returns how it ended.
func (a *Process) Stop() error {
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

// Exited says whether the process ended by itself, and how.
func (a *Process) Exited(within time.Duration) (bool, error) {
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

// Log is everything the process wrote so far.
func (a *Process) Log() string { return a.out.String() }

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
