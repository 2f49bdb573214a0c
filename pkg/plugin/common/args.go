package common

import (
	"fmt"

	"github.com/spf13/cobra"
)

// ExactlyOneName accepts the single NAME argument of verbs that act on one ImportedCluster,
// saying what is wrong in terms of the command's usage.
func ExactlyOneName(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return fmt.Errorf("NAME is required: usage: %s", cmd.UseLine())
	case len(args) > 1:
		return fmt.Errorf("exactly one NAME is accepted, got %d (%v): usage: %s", len(args), args, cmd.UseLine())
	}
	return nil
}
