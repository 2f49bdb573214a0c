// Package agentcmd is `kubectl import agent`: the kimport-agent that runs in each downstream
// imported in agent mode. `kubectl import agent upgrade NAME` sets the image of its
// Deployment cattle-system/kimport-agent.
package agentcmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import agent`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Manage the kimport-agent of clusters imported in agent mode",
		Long: templates.LongDesc(`
			In agent mode, kimport-agent runs in each downstream (Deployment cattle-system/kimport-agent)
			and dials out to the hub. It reports its version in the hub, which sets the condition
			AgentVersion to False (reason Behind) while the agent is older than the hub;
			'kubectl import describe NAME' shows it.`),
		Example: templates.Examples(`
			# Upgrade the agent of edge-1 to the plugin's version
			kubectl import agent upgrade edge-1 --context edge-1`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdUpgrade(f, streams))
	return cmd
}

// NewCmdUpgrade is `kubectl import agent upgrade NAME`.
func NewCmdUpgrade(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewUpgradeOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "upgrade NAME [--image IMAGE]",
		Short: "Set the image of the kimport-agent in a downstream imported in agent mode",
		Long: templates.LongDesc(`
			Set the image of the agent's Deployment cattle-system/kimport-agent in the downstream of
			the ImportedCluster NAME: to --image, else to the hub component's image at the plugin's
			version. The downstream is chosen by the standard kubectl flags (--kubeconfig, --context),
			as for 'kubectl import cluster', and must be NAME's cluster: the UID of its kube-system
			namespace must equal NAME's spec.clusterID. Only the container's image changes (a strategic
			merge patch), so the Deployment rolls out the new agent and keeps everything else.
			A cluster imported in direct mode runs no agent and is refused.`),
		Example: templates.Examples(`
			# Upgrade the agent of edge-1 to the plugin's version
			kubectl import agent upgrade edge-1 --context edge-1

			# Run a given image, e.g. from a mirror
			kubectl import agent upgrade edge-1 --context edge-1 --image registry.example.com/kimport/webhook:v0.9.1

			# Show what would change, changing nothing
			kubectl import agent upgrade edge-1 --context edge-1 --dry-run=client

			# Have the downstream's API server check the change without persisting it
			kubectl import agent upgrade edge-1 --context edge-1 --dry-run=server`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	cmd.Flags().StringVar(&o.Image, "image", "", "the agent image (default: the hub component's image at the plugin's version, "+o.defaultImage()+")")
	o.Changed = cmd.Flags().Changed
	o.DryRun.AddFlags(cmd)
	cmd.Flags().Lookup("dry-run").Usage = `Must be "none", "server", or "client". With client, only print what would change. With server, send the change to the downstream without persisting it.`
	o.Targets.AddFlags(cmd.Flags())
	return cmd
}
