// Package upgrader is `kubectl import upgrader install|debug|logs|restart|plans NAME`: the
// system-upgrade-controller of an imported K3s cluster, in cattle-system.
package upgrader

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import upgrader`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upgrader",
		Short: "Install and operate the system-upgrade-controller of an imported K3s cluster",
		Long: templates.LongDesc(`
			The system-upgrade-controller runs the K3s upgrade plans in cattle-system. 'install' needs
			the downstream's own kubeconfig (it creates the controller's ClusterRole, which the import agent
			may not grant); every other subcommand acts through the hub's gateway as you (a member of NAME,
			cluster-owner to change anything), or with --kubeconfig/--context of the downstream itself.`),
		Example: templates.Examples(`
			# Install the controller into k3s-prod, with the downstream's own kubeconfig
			kubectl import upgrader install k3s-prod --kubeconfig k3s.yaml

			# Show its plans and logs, through the hub
			kubectl import upgrader plans k3s-prod
			kubectl import upgrader logs k3s-prod -f`),
	}
	cmd.AddCommand(newCmdInstall(f, streams), newCmdDebug(f, streams), newCmdLogs(f, streams), newCmdRestart(f, streams), newCmdPlans(f, streams))
	return cmd
}

func newCmdInstall(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewInstallOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "install NAME",
		Short: "Install the system-upgrade-controller in cattle-system of the downstream",
		Long: templates.LongDesc(`
			Install the controller (ServiceAccount, least-privilege ClusterRole and Role with their
			bindings, ConfigMap system-upgrade-controller-config, Deployment) in cattle-system. It runs
			against the downstream chosen by --kubeconfig/--context with your own rights: the controller's
			ClusterRole holds rights (drain, node updates) that the import agent may not grant. The
			cluster must be the one the hub knows as NAME. Re-running it converges; an existing ConfigMap
			keeps its values (e.g. debug) and only gets missing keys.`),
		Example: templates.Examples(`
			# Install the controller into k3s-prod, with the downstream's own kubeconfig
			kubectl import upgrader install k3s-prod --kubeconfig k3s.yaml

			# Use a controller image from your own registry
			kubectl import upgrader install k3s-prod --context k3s --image registry.local/system-upgrade-controller:v0.14.2

			# Print what would be installed, changing nothing
			kubectl import upgrader install k3s-prod --context k3s --dry-run -o yaml`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	cmd.Flags().StringVar(&o.Image, "image", o.Image, "the controller's image")
	o.DryRun.AddFlags(cmd)
	o.ConfigFlags.AddFlags(cmd.Flags())
	o.AddFlags(cmd)
	return cmd
}

func newCmdDebug(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DebugOptions{DownstreamOptions: common.NewDownstreamOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "debug on|off NAME",
		Short: "Switch the controller's debug logging and restart it",
		Long: templates.LongDesc(`
			Set SYSTEM_UPGRADE_CONTROLLER_DEBUG in the controller's ConfigMap and restart its pod: the
			controller reads its environment only when it starts.`),
		Example: templates.Examples(`
			# Switch on debug logging in k3s-prod and follow the logs
			kubectl import upgrader debug on k3s-prod
			kubectl import upgrader logs k3s-prod -f

			# Switch it off again
			kubectl import upgrader debug off k3s-prod`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 || (args[0] != "on" && args[0] != "off") {
				return fmt.Errorf("want 'on' or 'off' and NAME: usage: %s", cmd.UseLine())
			}
			return nil
		},
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}

func newCmdLogs(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &LogsOptions{DownstreamOptions: common.NewDownstreamOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Print the controller's logs",
		Long: templates.LongDesc(`
			Print the logs of the system-upgrade-controller's pod in cattle-system of NAME, read through
			the hub's gateway as you; -f streams them as they come.`),
		Example: templates.Examples(`
			# Follow the controller's logs in k3s-prod
			kubectl import upgrader logs k3s-prod -f`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	cmd.Flags().BoolVarP(&o.Follow, "follow", "f", false, "keep streaming the logs")
	o.AddFlags(cmd)
	return cmd
}

func newCmdRestart(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RestartOptions{DownstreamOptions: common.NewDownstreamOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart the controller (its pod is recreated)",
		Long: templates.LongDesc(`
			Restart the system-upgrade-controller of NAME: its pod is deleted and recreated, and the
			controller reads its ConfigMap again.`),
		Example: templates.Examples(`
			# Restart the controller of k3s-prod
			kubectl import upgrader restart k3s-prod`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}

func newCmdPlans(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &PlansOptions{DownstreamOptions: common.NewDownstreamOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
	cmd := &cobra.Command{
		Use:   "plans NAME",
		Short: "Show the upgrade plans in cattle-system, as 'kubectl get plans -n cattle-system' does",
		Long: templates.LongDesc(`
			List the system-upgrade-controller's Plans in cattle-system (where the K3s upgrade plans live;
			the import agent may read plans only there). -o yaml prints what
			'kubectl get plans -n cattle-system -o yaml' prints against the downstream.`),
		Example: templates.Examples(`
			# List the plans of k3s-prod
			kubectl import upgrader plans k3s-prod

			# Print them as 'kubectl get plans -n cattle-system -o yaml' does
			kubectl import upgrader plans k3s-prod -o yaml

			# Print each plan's name and version
			kubectl import upgrader plans k3s-prod -o custom-columns=NAME:.metadata.name,VERSION:.spec.version`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
