package preflight

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import preflight [NAME]`.
type Options struct {
	Factory common.Factory
	common.Targets
	// Name is the ImportedCluster name an import would use (optional).
	Name string

	genericiooptions.IOStreams
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{Factory: f, Targets: common.NewTargets(), IOStreams: streams}
}

// Complete takes the optional NAME.
func (o *Options) Complete(args []string) error {
	if len(args) == 1 {
		o.Name = args[0]
	}
	return nil
}

// Validate checks NAME when given.
func (o *Options) Validate() error {
	if o.Name == "" {
		return nil
	}
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("invalid NAME %q: %s", o.Name, errs[0])
	}
	return nil
}
