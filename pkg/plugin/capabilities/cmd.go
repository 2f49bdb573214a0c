// Package capabilities is `kubectl import capabilities NAME|set|unset|schema`: a cluster's
// effective capabilities with their source, and the annotation overrides.
package capabilities

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import capabilities`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewShowOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "capabilities NAME",
		Short: "Show a cluster's capabilities: detected values, overrides, and the source of each",
		Long: templates.LongDesc(`
			Show the effective capabilities of NAME. Values are detected live from the downstream, read
			through the hub's gateway as you (or with --kubeconfig/--context of the downstream) (K3s:
			Traefik → ingress, ServiceLB → load balancer, the servers' --service-node-port-range, default
			30000-32767) and overridden by the annotations capabilities/KEY or
			capabilities.cattle.io/KEY on the ImportedCluster. SOURCE says where each value comes from;
			DETECTED shows the value an override replaces. When the downstream cannot be reached, the
			values the hub last recorded in status are shown.`),
		Example: templates.Examples(`
			# Show the capabilities of k3s-prod and where each value comes from
			kubectl import capabilities k3s-prod

			# Print only the names and values
			kubectl import capabilities k3s-prod -o jsonpath='{range .capabilities[*]}{.name}={.value}{"\n"}{end}'

			# Override a capability, then remove the override
			kubectl import capabilities set k3s-prod nodePortRange=30000-31000
			kubectl import capabilities unset k3s-prod nodePortRange

			# Print the JSON schema of the capability values
			kubectl import capabilities schema`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	cmd.AddCommand(newCmdSet(f, streams), newCmdUnset(f, streams), newCmdSchema(streams))
	return cmd
}

func newCmdSet(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &SetOptions{RecordOptions: common.NewRecordOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "set NAME KEY=VALUE",
		Short: "Override a capability (annotation capabilities/KEY), refusing malformed values",
		Long: templates.LongDesc(`
			Override the capability KEY of NAME with VALUE, as the annotation capabilities/KEY on the
			ImportedCluster. A value that does not match the capability's schema is refused
			('kubectl import capabilities schema' prints it).`),
		Example: templates.Examples(`
			# Narrow the NodePort range of k3s-prod
			kubectl import capabilities set k3s-prod nodePortRange=30000-31000

			# Set a structured value, as JSON
			kubectl import capabilities set k3s-prod 'ingressCapabilities=[{"ingressProvider":"Nginx"}]'`),
		Args: cobra.ExactArgs(2),
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}

func newCmdUnset(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &UnsetOptions{RecordOptions: common.NewRecordOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "unset NAME KEY",
		Short: "Remove a capability override (under either annotation prefix)",
		Long: templates.LongDesc(`
			Remove the override of the capability KEY of NAME, under either annotation prefix
			(capabilities/KEY or capabilities.cattle.io/KEY): the detected value applies again.`),
		Example: templates.Examples(`
			# Use the detected NodePort range of k3s-prod again
			kubectl import capabilities unset k3s-prod nodePortRange`),
		Args: cobra.ExactArgs(2),
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}

func newCmdSchema(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON schema of every capability value",
		Long: templates.LongDesc(`
			Print the JSON schema of every capability value: what 'kubectl import capabilities set'
			accepts for each KEY.`),
		Example: templates.Examples(`
			# Print the schema of every capability value
			kubectl import capabilities schema`),
		Args: cobra.NoArgs,
		RunE: common.RunE(&SchemaOptions{IOStreams: streams}),
	}
}
