// Package list implements `kubectl import list`: the ImportedClusters of the hub as a table.
package list

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import list`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the clusters imported into the hub",
		Long: templates.LongDesc(`
			List the clusters imported into the hub, sorted by name, with their phase, distribution,
			version and ready nodes. -o wide adds the node pools, the mode (Agent or Direct), the API
			server and the cluster ID; -o prints the ImportedClusters in any of kubectl's output
			formats.`),
		Example: templates.Examples(`
			# List the imported clusters
			kubectl import list

			# List them with their node pools, mode, API server and cluster ID
			kubectl import list -o wide

			# Print the names of the clusters labelled env=prod
			kubectl import list -l env=prod -o name

			# Print the name and phase of each cluster
			kubectl import list -o custom-columns=NAME:.metadata.name,PHASE:.status.phase

			# Print the names only, on one line
			kubectl import list -o jsonpath='{.items[*].metadata.name}'`),
		Args: cobra.NoArgs,
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Label selector to filter on, e.g. -l env=prod")
	return cmd
}
