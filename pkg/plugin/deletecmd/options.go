package deletecmd

import (
	"fmt"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// DefaultTimeout bounds the wait for the reconciler's cleanup.
const DefaultTimeout = 2 * time.Minute

// Options of `kubectl import delete NAME`.
type Options struct {
	Hub     common.HubOptions
	Name    string
	Wait    bool
	Timeout time.Duration
	Force   bool

	genericiooptions.IOStreams

	hub *importer.Cluster
}

// NewOptions has the defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{Wait: true, Timeout: DefaultTimeout, IOStreams: streams}
}

// Complete takes NAME; it contacts nothing.
func (o *Options) Complete(args []string) error {
	o.Name = args[0]
	return nil
}

// connect builds the hub client (without contacting the hub yet) unless a test gave one.
func (o *Options) connect() error {
	if o.hub != nil {
		return nil
	}
	cfg, err := o.Hub.RESTConfig()
	if err != nil {
		return err
	}
	o.hub, err = importer.Connect(cfg)
	return err
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if o.Timeout <= 0 {
		return fmt.Errorf("invalid --timeout %s: must be positive, e.g. 2m", o.Timeout)
	}
	if o.Force && !o.Wait {
		return fmt.Errorf("--force needs --wait: it acts only after the bounded wait for the reconciler's cleanup")
	}
	return nil
}
