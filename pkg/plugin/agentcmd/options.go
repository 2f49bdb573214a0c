package agentcmd

import (
	"fmt"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// UpgradeOptions of `kubectl import agent upgrade NAME`.
type UpgradeOptions struct {
	Factory common.Factory
	// Targets are the downstream (kubectl flags) and the hub.
	common.Targets
	DryRun common.DryRunFlags
	Name   string
	// Image is --image; Complete fills in the default.
	Image string
	// Changed says whether a flag was given: an --image given empty is refused, not defaulted.
	Changed func(flag string) bool

	genericiooptions.IOStreams

	// The two clusters, connected by Run.
	ds, hub *importer.Cluster
}

// NewUpgradeOptions has the kubectl flags with their usual defaults.
func NewUpgradeOptions(f common.Factory, streams genericiooptions.IOStreams) *UpgradeOptions {
	return &UpgradeOptions{Factory: f, Targets: common.NewTargets(), IOStreams: streams}
}

// defaultImage is the hub component's image at the plugin's version.
func (o *UpgradeOptions) defaultImage() string { return agent.DefaultImage(version.Version) }

// Complete takes NAME and defaults --image; it contacts nothing.
func (o *UpgradeOptions) Complete(args []string) error {
	o.Name = args[0]
	if (o.Changed == nil || !o.Changed("image")) && o.Image == "" {
		o.Image = o.defaultImage()
	}
	return nil
}

// Validate checks the flags alone.
func (o *UpgradeOptions) Validate() error {
	if o.Image == "" {
		return fmt.Errorf("--image is empty: give an image reference, e.g. --image %s, or leave --image out for that default", o.defaultImage())
	}
	if strings.ContainsAny(o.Image, " \t\r\n") {
		return fmt.Errorf("invalid --image %q: an image reference has no whitespace, e.g. --image %s", o.Image, o.defaultImage())
	}
	return o.DryRun.Validate()
}
