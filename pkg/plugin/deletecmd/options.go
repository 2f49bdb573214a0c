package deletecmd

import (
	"fmt"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// DefaultTimeout bounds the wait for the reconciler's cleanup.
const DefaultTimeout = 2 * time.Minute

// Options of `kubectl import delete NAME`.
type Options struct {
	common.RecordOptions
	Wait    bool
	Timeout time.Duration
	Force   bool
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams), Wait: true, Timeout: DefaultTimeout}
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
