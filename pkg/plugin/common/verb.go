package common

import (
	"context"

	"github.com/spf13/cobra"
)

// Verb is what every leaf command runs, in this order: Complete takes the arguments and the
// flag values (no I/O), Validate checks them (changing nothing), Run connects and acts.
type Verb interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// RunE is the RunE of every leaf command: v's Complete, Validate and Run.
func RunE(v Verb) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := v.Complete(args); err != nil {
			return err
		}
		if err := v.Validate(); err != nil {
			return err
		}
		return v.Run(cmd.Context())
	}
}
