package credentials

import (
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestCompleteAndValidate(t *testing.T) {
	info := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false,` +
		`"cluster":{"server":"https://10.0.0.5:6443","config":{"clusterName":"lab","command":["kubectl","import","credentials","lab"]}}}}`
	for _, tc := range []struct {
		name, env, want, err string
		args                 []string
		expiration           time.Duration
	}{
		{name: "NAME", args: []string{"lab"}, want: "lab"},
		{name: "NAME wins over the exec info", args: []string{"lab"}, env: `{"spec":{"cluster":{"config":{"clusterName":"other"}}}}`, want: "lab"},
		{name: "from the exec extension", env: info, want: "lab"},
		{name: "nothing", err: "no cluster named: run 'kubectl import credentials NAME'"},
		{name: "exec info without the extension", env: `{"spec":{"interactive":false}}`, err: "no cluster named"},
		{name: "bad exec info", env: "{", err: "$KUBERNETES_EXEC_INFO is not an ExecCredential"},
		{name: "bad NAME", args: []string{"Lab"}, err: `invalid NAME "Lab"`},
		{name: "short expiration", args: []string{"lab"}, expiration: time.Minute, err: "invalid --expiration 1m0s: must be within 10m0s and 24h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOptions(genericiooptions.NewTestIOStreamsDiscard())
			o.getenv = func(k string) string {
				if k == ExecInfoEnv {
					return tc.env
				}
				return ""
			}
			if tc.expiration != 0 {
				o.Expiration = tc.expiration
			}
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
