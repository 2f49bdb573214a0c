package deletecmd

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Bad flags are refused before the hub is contacted (there is none here).
func TestFlagsAreValidatedFirst(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"c1", "--force", "--wait=false"}, "--force needs --wait"},
		{[]string{"c1", "--timeout", "-1s"}, "--timeout"},
		{[]string{}, "NAME is required"},
		{[]string{"a", "b"}, "exactly one NAME"},
	} {
		var out bytes.Buffer
		cmd := NewCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &out})
		cmd.SetArgs(tc.args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}
