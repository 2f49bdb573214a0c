package credentials

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

func TestCompleteAndValidate(t *testing.T) {
	info := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false,` +
		`"cluster":{"server":"https://hub:6443/apis/gateway.kimport.dev/v1alpha1/clusters/lab/proxy","config":{"clusterName":"lab","command":["kubectl","import","credentials","lab"]}}}}`
	noCluster := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`
	for _, tc := range []struct {
		name, env, want, err string
		args                 []string
	}{
		{name: "NAME", args: []string{"lab"}, env: info, want: "lab"},
		{name: "NAME is taken over the exec info (Check refuses when they differ)", args: []string{"lab"}, env: strings.Replace(info, `"clusterName":"lab"`, `"clusterName":"other"`, 1), want: "lab"},
		{name: "from the exec extension", env: info, want: "lab"},
		// By hand it would print the caller's own hub credential on a terminal: refused.
		{name: "by hand", args: []string{"lab"}, err: "kubectl import credentials is an exec credential plugin"},
		{name: "exec info without the cluster, no NAME", env: noCluster, err: "no cluster named"},
		// Nothing says where the credential would go: refused before any is looked at.
		{name: "exec info without the cluster", args: []string{"lab"}, env: noCluster,
			err: "refusing to issue a credential: spec.cluster of the exec request ($KUBERNETES_EXEC_INFO) is missing: the exec configuration does not set provideClusterInfo"},
		{name: "bad exec info", env: "{", err: "$KUBERNETES_EXEC_INFO is not an ExecCredential"},
		{name: "exec info of another kind", env: `{"spec":{"interactive":false}}`, err: `$KUBERNETES_EXEC_INFO: kind is "", want ExecCredential`},
		{name: "a duplicated server", args: []string{"lab"}, env: strings.Replace(info, `"server":`, `"server":"https://a:1","server":`, 1),
			err: `duplicate field "spec.cluster.server"`},
		{name: "bad NAME", args: []string{"Lab"}, env: info, err: `invalid NAME "Lab"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(ExecInfoEnv, tc.env)
			o := NewOptions(common.NewFactory(), genericiooptions.NewTestIOStreamsDiscard())
			err := o.Complete(tc.args)
			if err == nil {
				err = o.Validate()
			}
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want %q", err, tc.err)
			case tc.err == "" && o.Name != tc.want:
				t.Errorf("name %q, want %q", o.Name, tc.want)
			}
		})
	}
}
