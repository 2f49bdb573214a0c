package create

import (
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Bounds of --ttl: long enough to hand a command over, short enough to stay a bootstrap secret.
const (
	DefaultTTL = time.Hour
	MinTTL     = time.Minute
	MaxTTL     = 24 * time.Hour
)

// Options of `kubectl import create NAME`.
type Options struct {
	common.RecordOptions
	DisplayName string
	MemberFlags []string
	Members     []v1alpha1.Member
	TTL         time.Duration
	RotateToken bool
	// TokenFile receives the join token (mode 0600) instead of the output.
	TokenFile string
	// HubURL is the hub address printed in the join command.
	HubURL string
	DryRun common.DryRunFlags
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML), TTL: DefaultTTL}
}

// Complete takes NAME and parses the members; it contacts nothing.
func (o *Options) Complete(args []string) error {
	var err error
	if o.Members, err = common.ParseMemberFlags(o.MemberFlags); err != nil {
		return err
	}
	return o.RecordOptions.Complete(args)
}

// Validate checks every flag before anything is contacted, naming the flag and the fix.
func (o *Options) Validate() error {
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("invalid NAME %q: %s", o.Name, errs[0])
	}
	if len(o.Name) > v1alpha1.MaxJoinClusterName {
		return fmt.Errorf("invalid NAME %q: %d characters, at most %d (its join identity %q must be a valid name)",
			o.Name, len(o.Name), v1alpha1.MaxJoinClusterName, v1alpha1.JoinName("NAME"))
	}
	if len(o.DisplayName) > 253 {
		return fmt.Errorf("invalid --display-name: %d characters, at most 253 are allowed", len(o.DisplayName))
	}
	if o.TTL < MinTTL || o.TTL > MaxTTL {
		return fmt.Errorf("invalid --ttl %s: use a duration from %s to %s, e.g. 30m or 4h", o.TTL, MinTTL, MaxTTL)
	}
	if o.HubURL != "" {
		if err := importer.ValidateAPIServer(o.HubURL); err != nil {
			return fmt.Errorf("invalid --hub-url: %w", err)
		}
	}
	if o.RotateToken && (len(o.MemberFlags) > 0 || o.DisplayName != "") {
		return errors.New("--rotate-token replaces only the join token: drop --member/--display-name (change members with 'kubectl import members')")
	}
	if err := o.DryRun.Validate(); err != nil {
		return err
	}
	if o.TokenFile != "" && o.DryRun.Client() {
		return errors.New("--token-file receives the join token, and a dry run issues none: drop one of them")
	}
	if o.DryRun.Server() {
		return errors.New("--dry-run=server is not supported by 'create' (it issues a token): use --dry-run=client -o yaml")
	}
	return o.Output.Validate()
}
