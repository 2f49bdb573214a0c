package create

import (
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

func TestValidateNamesTheFlag(t *testing.T) {
	for name, tc := range map[string]struct {
		set  func(*Options)
		want string
	}{
		"bad name":        {func(o *Options) { o.Name = "Prod_EU" }, "invalid NAME"},
		"long name":       {func(o *Options) { o.Name = strings.Repeat("a", v1alpha1.MaxJoinClusterName+1) }, "at most"},
		"short ttl":       {func(o *Options) { o.TTL = 30 * time.Second }, "--ttl"},
		"long ttl":        {func(o *Options) { o.TTL = 25 * time.Hour }, "--ttl"},
		"bad hub url":     {func(o *Options) { o.HubURL = "hub:6443" }, "--hub-url"},
		"rotate+members":  {func(o *Options) { o.RotateToken = true; o.MemberFlags = []string{"User:a=cluster-owner"} }, "--rotate-token"},
		"server dry run":  {func(o *Options) { o.DryRun.Strategy = "server" }, "--dry-run=client"},
		"bad output":      {func(o *Options) { o.Output.Format = "wide" }, "--output"},
		"valid":           {func(*Options) {}, ""},
		"valid rotate":    {func(o *Options) { o.RotateToken = true }, ""},
		"longest name ok": {func(o *Options) { o.Name = strings.Repeat("a", v1alpha1.MaxJoinClusterName) }, ""},
	} {
		o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{})
		o.Name = "prod-eu"
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
