package common

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubectl-import/kubectl-import/pkg/record"
)

// completionTimeout bounds the hub request behind a <TAB>: a shell must not hang on a slow hub.
const completionTimeout = 5 * time.Second

// CompleteClusterNames is a cobra ValidArgsFunction for verbs taking one NAME: it lists the
// ImportedClusters on the hub whose names start with what was typed, each described by its
// phase. The hub comes from the command line being completed (--hub-context etc.), as cobra
// parses flags before it asks for completions.
func CompleteClusterNames(f Factory, hub *HubOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 { // NAME already given
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		o := HubVerbOptions{Factory: f, Hub: *hub}
		c, err := o.HubClient()
		var names []string
		if err == nil {
			names, err = record.Names(ctx, c, toComplete)
		}
		if err != nil {
			cobra.CompErrorln(err.Error())
			return nil, cobra.ShellCompDirectiveError
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
