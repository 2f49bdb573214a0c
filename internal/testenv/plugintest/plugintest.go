// Package plugintest runs the plugin's verbs in-process in tests, as `kubectl import` runs
// them (errors returned, not printed; no usage dump), with captured output and the factory
// the test gives.
package plugintest

import (
	"context"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd builds a verb's command, as every verb's NewCmd does.
type NewCmd = func(common.Factory, genericiooptions.IOStreams) *cobra.Command

// Result is what a command printed and returned.
type Result struct {
	// Command is the name of the command run.
	Command  string
	Out, Err string
	Error    error
}

// Execute runs the command newCmd builds against hub with args and the real factory.
func Execute(hub *testenv.Cluster, newCmd NewCmd, args ...string) Result {
	return ExecuteWith(common.NewFactory(), hub, newCmd, args...)
}

// ExecuteWith runs the command newCmd builds with f against hub with args.
func ExecuteWith(f common.Factory, hub *testenv.Cluster, newCmd NewCmd, args ...string) Result {
	return Run(f, newCmd, append(args, "--hub-kubeconfig", hub.Kubeconfig)...)
}

// Run runs the command newCmd builds with f and args (no hub flag added).
func Run(f common.Factory, newCmd NewCmd, args ...string) Result {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := newCmd(f, streams)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SetArgs(common.NameFirst(cmd, args)) // as main does
	err := cmd.ExecuteContext(context.Background())
	return Result{Command: cmd.Name(), Out: out.String(), Err: errOut.String(), Error: err}
}

// Stdout fails the test when the command failed or wrote to stderr, else returns stdout.
func (r Result) Stdout(t testing.TB) string {
	t.Helper()
	if r.Error != nil || r.Err != "" {
		t.Fatalf("command failed: %v\nstderr: %s\nstdout: %s", r.Error, r.Err, r.Out)
	}
	return r.Out
}

// Failed asserts the command failed with exactly wantErr and printed nothing.
func (r Result) Failed(t testing.TB, wantErr string) {
	t.Helper()
	if r.Error == nil || r.Error.Error() != wantErr {
		t.Errorf("error = %v\nwant    %s", r.Error, wantErr)
	}
	if r.Out != "" || r.Err != "" {
		t.Errorf("a failed command printed: stdout %q, stderr %q", r.Out, r.Err)
	}
}

// Clock is the real factory with its time from now.
func Clock(now func() time.Time) common.Factory { return Factory{Clock: now}.Factory() }
