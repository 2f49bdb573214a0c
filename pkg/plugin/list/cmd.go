// Package list implements `kubectl import list`: the ImportedClusters of the hub as a table.
package list

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// NewCmd is `kubectl import list`.
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	return newCmd(NewOptions(streams))
}

func newCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the clusters imported into the hub",
		Example: `  kubectl import list
  kubectl import list -o wide
  kubectl import list -l env=prod -o name`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.Hub.AddFlags(cmd.Flags())
	o.Output.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Label selector to filter on, e.g. -l env=prod")
	return cmd
}
