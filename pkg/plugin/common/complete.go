package common

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// completionTimeout bounds the hub request behind a <TAB>: a shell must not hang on a slow hub.
const completionTimeout = 5 * time.Second

// CompleteClusterNames is a cobra ValidArgsFunction for verbs taking one NAME: it lists the
// ImportedClusters on the hub whose names start with what was typed, each described by its
// phase. The hub comes from the command line being completed (--hub-context etc.), as cobra
// parses flags before it asks for completions.
func CompleteClusterNames(hub *HubOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
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
		names, err := clusterNames(ctx, hub, toComplete)
		if err != nil {
			cobra.CompErrorln(err.Error())
			return nil, cobra.ShellCompDirectiveError
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// clusterNames returns "name\tphase" for every ImportedCluster whose name has prefix.
func clusterNames(ctx context.Context, hub *HubOptions, prefix string) ([]string, error) {
	c, err := hub.Client()
	if err != nil {
		return nil, err
	}
	var list v1alpha1.ImportedClusterList
	if err := c.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing importedclusters on the hub: %w", err)
	}
	var out []string
	for _, ic := range list.Items {
		if !strings.HasPrefix(ic.Name, prefix) {
			continue
		}
		if phase := string(ic.Status.Phase); phase != "" {
			out = append(out, ic.Name+"\t"+phase)
		} else {
			out = append(out, ic.Name)
		}
	}
	return out, nil
}
