// Package describe implements `kubectl import describe NAME`: everything the hub knows about
// one imported cluster, laid out as kubectl describe lays out objects.
package describe

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import describe NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show the phase, nodes, projects, members, capabilities, conditions and events of an imported cluster",
		Long: templates.LongDesc(`
			Show everything the hub knows about the imported cluster NAME, laid out as kubectl describe
			lays out objects: identity, mode (Agent or Direct), phase, in agent mode the agent's
			version and heartbeat (with a warning while it is older than the hub), nodes, projects,
			members, capabilities, conditions, the progress of a K3s upgrade and the events the hub
			recorded. -o prints the ImportedCluster itself.`),
		Example: templates.Examples(`
			# Describe prod-eu
			kubectl import describe prod-eu

			# Print the ImportedCluster as YAML
			kubectl import describe prod-eu -o yaml`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
