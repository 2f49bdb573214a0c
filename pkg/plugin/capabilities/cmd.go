// Package capabilities is `kubectl import capabilities NAME|set|unset|schema`: a cluster's
// effective capabilities with their source, and the annotation overrides.
package capabilities

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import capabilities`.
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	o := &ShowOptions{IOStreams: streams, Output: common.NewOutputFlags(common.OutputJSON, common.OutputYAML)}
	cmd := &cobra.Command{
		Use:   "capabilities NAME",
		Short: "Show a cluster's capabilities: detected values, overrides, and the source of each",
		Long: `Show the effective capabilities of NAME. Values are detected live from the downstream (K3s:
Traefik → ingress, ServiceLB → load balancer, the servers' --service-node-port-range, default
30000-32767) and overridden by the annotations capabilities/<name> or
capabilities.cattle.io/<name> on the ImportedCluster. SOURCE says where each value comes from;
DETECTED shows the value an override replaces. When the downstream cannot be reached, the
values the hub last recorded in status are shown.`,
		Example: `  kubectl import capabilities k3s-prod
  kubectl import capabilities set k3s-prod nodePortRange=30000-31000
  kubectl import capabilities unset k3s-prod nodePortRange
  kubectl import capabilities schema`,
		Args: common.ExactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			o.Name = args[0]
			return o.Run(cmd.Context())
		},
	}
	o.Output.AddFlags(cmd)
	o.Hub.AddFlags(cmd.Flags())
	cmd.AddCommand(newCmdSet(streams), newCmdUnset(streams), newCmdSchema(streams))
	return cmd
}

func newCmdSet(streams genericiooptions.IOStreams) *cobra.Command {
	o := &SetOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "set NAME KEY=VALUE",
		Short: "Override a capability (annotation capabilities/KEY), refusing malformed values",
		Example: `  kubectl import capabilities set k3s-prod nodePortRange=30000-31000
  kubectl import capabilities set k3s-prod 'ingressCapabilities=[{"ingressProvider":"Nginx"}]'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.Hub.AddFlags(cmd.Flags())
	return cmd
}

func newCmdUnset(streams genericiooptions.IOStreams) *cobra.Command {
	o := &UnsetOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:     "unset NAME KEY",
		Short:   "Remove a capability override (under either annotation prefix)",
		Example: `  kubectl import capabilities unset k3s-prod nodePortRange`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.Hub.AddFlags(cmd.Flags())
	return cmd
}

func newCmdSchema(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON schema of every capability value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return PrintSchema(streams.Out)
		},
	}
}
