package cluster

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Bad flags are refused before any cluster is contacted (none exists here), with an error
// naming the flag and the value.
func TestValidationNamesFlagAndValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"c1", "--member", "alice=cluster-owner"}, []string{"--member", `"alice=cluster-owner"`, "KIND:NAME=ROLE"}},
		{[]string{"c1", "--member", "User:alice=admin"}, []string{"--member", `"admin"`, "cluster-owner, cluster-member"}},
		{[]string{"c1", "--member", "Robot:r2=cluster-member"}, []string{"--member", `"Robot"`, "User, Group"}},
		{[]string{"c1", "--member", "User:alice"}, []string{"--member", `"User:alice"`}},
		{[]string{"c1", "--advertise-address", "http://10.0.0.5:6443"}, []string{"--advertise-address", `"http://10.0.0.5:6443"`, "https://"}},
		{[]string{"Bad_Name"}, []string{"NAME", `"Bad_Name"`}},
		{[]string{"c1", "--timeout", "0s"}, []string{"--timeout"}},
		{[]string{"c1", "--dry-run=server"}, []string{"--dry-run=client"}},
		{[]string{"c1", "--dry-run=maybe"}, []string{"--dry-run", `"maybe"`}},
		{[]string{"c1", "-o", "yaml"}, []string{"--output", "--dry-run=client"}},
		{[]string{"c1", "--dry-run=client", "-o", "table"}, []string{"--output", `"table"`}},
		{[]string{}, []string{"NAME is required"}},
	} {
		var out, errOut bytes.Buffer
		cmd := NewCmd(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut})
		cmd.SetArgs(tc.args)
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		if err == nil {
			t.Errorf("%v: accepted, want an error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %s", tc.args, err, w)
			}
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q before refusing", tc.args, out.String())
		}
	}
}
