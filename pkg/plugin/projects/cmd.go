// Package projects implements `kubectl import projects NAME`: the projects of an imported
// cluster and the downstream namespaces in each.
package projects

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import projects NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "projects NAME",
		Short: "List the projects of an imported cluster and their namespaces",
		Long: templates.LongDesc(`
			List the projects the hub assigned to the imported cluster NAME and the downstream
			namespaces in each, as the hub last recorded them in status. -o prints the
			ImportedCluster itself.`),
		Example: templates.Examples(`
			# List the projects of prod-eu and their namespaces
			kubectl import projects prod-eu

			# Print the ImportedCluster as JSON
			kubectl import projects prod-eu -o json

			# Print the project names only
			kubectl import projects prod-eu -o jsonpath='{.status.projects[*].name}'`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
