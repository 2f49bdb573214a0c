package cluster

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// DefaultTimeout bounds the wait until Active.
const DefaultTimeout = 5 * time.Minute

// Options of `kubectl import cluster NAME`.
type Options struct {
	Factory common.Factory
	common.Targets

	Name             string
	DisplayName      string
	AdvertiseAddress string
	MemberFlags      []string
	Members          []v1alpha1.Member
	Wait             bool
	// InstallInventoryCRDs installs the ClusterProperty CRD (about.k8s.io) into the
	// downstream unless it has one.
	InstallInventoryCRDs bool
	Timeout              time.Duration
	Agent                common.AgentFlags
	DryRun               common.DryRunFlags
	Output               *common.OutputFlags

	genericiooptions.IOStreams

	// The two clusters, connected by Run.
	ds, hub *importer.Cluster
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{
		Factory:   f,
		Targets:   common.NewTargets(),
		Wait:      true,
		Timeout:   DefaultTimeout,
		Agent:     common.NewAgentFlags(),
		Output:    common.NewOutputFlags(common.OutputJSON, common.OutputYAML, common.OutputName),
		IOStreams: streams,
	}
}

// Complete takes NAME and parses the members; it contacts nothing.
func (o *Options) Complete(args []string) error {
	o.Name = args[0]
	var err error
	if o.Members, err = common.ParseMemberFlags(o.MemberFlags); err != nil {
		return err
	}
	return o.Agent.Complete()
}

// Validate checks every flag before anything is contacted, naming the flag and the value.
func (o *Options) Validate() error {
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("invalid NAME %q: %s", o.Name, errs[0])
	}
	if secret := v1alpha1.CredentialsSecretName(o.Name); len(secret) > validation.DNS1123SubdomainMaxLength {
		return fmt.Errorf("invalid NAME %q: too long, its credentials Secret %q would exceed %d characters", o.Name, secret, validation.DNS1123SubdomainMaxLength)
	}
	if len(o.DisplayName) > 253 {
		return fmt.Errorf("invalid --display-name: %d characters, at most 253 are allowed", len(o.DisplayName))
	}
	if o.AdvertiseAddress != "" {
		if err := importer.ValidateAPIServer(o.AdvertiseAddress); err != nil {
			return fmt.Errorf("invalid --advertise-address: %w", err)
		}
	}
	if o.Timeout <= 0 {
		return fmt.Errorf("invalid --timeout %s: must be positive, e.g. 5m", o.Timeout)
	}
	return o.DryRun.ValidateClientOnly("cluster", o.Output)
}
