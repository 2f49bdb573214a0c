package preflight

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Options of `kubectl import preflight [NAME]`.
type Options struct {
	Targets
	// Name is the ImportedCluster name an import would use (optional).
	Name string

	genericiooptions.IOStreams
}

// NewOptions has the defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{Targets: NewTargets(), IOStreams: streams}
}

// Complete takes the optional NAME and connects to both clusters.
func (o *Options) Complete(args []string) error {
	if len(args) == 1 {
		o.Name = args[0]
	}
	return o.Targets.Complete()
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
