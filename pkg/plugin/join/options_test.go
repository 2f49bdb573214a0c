package join

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Every bad flag is refused before anything is contacted, with the flag named.
func TestValidateNamesTheFlag(t *testing.T) {
	good := "sha256:" + strings.Repeat("a", 64)
	for name, tc := range map[string]struct {
		set  func(*Options)
		want string
	}{
		"no hub":          {func(o *Options) { o.HubURL = "" }, "--hub is required"},
		"plain http hub":  {func(o *Options) { o.HubURL = "http://hub:6443" }, "invalid --hub"},
		"no token":        {func(o *Options) { o.Token = "" }, "--token"},
		"spaced token":    {func(o *Options) { o.Token = "abc def" }, "white space"},
		"no checksum":     {func(o *Options) { o.CAChecksum = "" }, "no insecure mode"},
		"short checksum":  {func(o *Options) { o.CAChecksum = "sha256:abc" }, "--ca-checksum"},
		"bare hex":        {func(o *Options) { o.CAChecksum = strings.Repeat("a", 64) }, `"sha256:"`},
		"bad advertise":   {func(o *Options) { o.AdvertiseAddress = "10.0.0.1:6443" }, "--advertise-address"},
		"zero timeout":    {func(o *Options) { o.Timeout = 0 }, "--timeout"},
		"server dry run":  {func(o *Options) { o.DryRun.Strategy = "server" }, "--dry-run=client"},
		"dry run applied": {func(o *Options) { o.DryRun.Strategy = "client"; o.AgentApplied = true }, "--agent-applied"},
		"output no dry":   {func(o *Options) { o.Output.Format = "yaml" }, "--output"},
		"bad output":      {func(o *Options) { o.DryRun.Strategy = "client"; o.Output.Format = "wide" }, "--output"},
		"valid":           {func(*Options) {}, ""},
		"valid dry run":   {func(o *Options) { o.DryRun.Strategy = "client"; o.Output.Format = "yaml" }, ""},
	} {
		o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{})
		o.HubURL, o.Token, o.CAChecksum, o.Timeout = "https://hub:6443", "eyJ.a.b", good, time.Minute
		tc.set(o)
		err := o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestTokenSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(TokenEnv, "")
	for name, tc := range map[string]struct {
		token, file, env, stdin, want, wantErr string
	}{
		"flag":     {token: "from-flag", want: "from-flag"},
		"file":     {file: file, want: "from-file"},
		"stdin":    {file: "-", stdin: "from-stdin\n", want: "from-stdin"},
		"env":      {env: "from-env", want: "from-env"},
		"two":      {token: "a", env: "b", wantErr: "more than once"},
		"missing":  {file: filepath.Join(t.TempDir(), "none"), wantErr: "--token-file"},
		"no token": {want: ""},
	} {
		t.Setenv(TokenEnv, tc.env)
		o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{In: bytes.NewBufferString(tc.stdin)})
		o.Token, o.TokenFile = tc.token, tc.file
		err := o.readToken()
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want %q", name, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || o.Token != tc.want):
			t.Errorf("%s: token %q, %v; want %q", name, o.Token, err, tc.want)
		}
	}
}
