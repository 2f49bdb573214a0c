package preflight

import (
	"context"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Run prints one line per check and fails when any check failed. It changes nothing.
func (o *Options) Run(ctx context.Context) error {
	clusters, err := o.Connect(o.Factory)
	if err != nil {
		return err
	}
	report := clusters.Preflight(ctx, o.Name)
	report.Write(o.Out, common.IsTerminal(o.Out))
	return report.Err()
}
