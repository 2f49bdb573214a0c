// Package upgrade is `kubectl import upgrade NAME --to VERSION` (start or re-tune a K3s
// upgrade) and `kubectl import upgrade status NAME` (its progress, read live).
package upgrade

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import upgrade`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "upgrade NAME --to VERSION",
		Short: "Upgrade a K3s cluster through the system-upgrade-controller",
		Long: templates.LongDesc(`
			Set the K3s version (spec.k3s) an imported K3s cluster should run, and how many servers
			and workers upgrade at once. The hub's reconciler then deploys the plans k3s-master-plan and
			k3s-worker-plan in cattle-system; follow them with 'kubectl import upgrade status NAME'.
			The version must be a K3s version newer than what runs (K3s cannot be downgraded). Flags left
			out keep their current value (defaults: 1 server and 1 worker at once, no draining).
			With --dry-run -o yaml the two plans are printed instead.`),
		Example: templates.Examples(`
			# Upgrade k3s-prod to K3s v1.32.5+k3s1
			kubectl import upgrade k3s-prod --to v1.32.5+k3s1

			# Upgrade two workers at once, draining each first
			kubectl import upgrade k3s-prod --to v1.32.5+k3s1 --worker-concurrency 2 --drain-workers

			# Print the two plans, changing nothing
			kubectl import upgrade k3s-prod --to v1.32.5+k3s1 --dry-run -o yaml

			# Follow the upgrade
			kubectl import upgrade status k3s-prod`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.To, "to", "", "the K3s version to upgrade to, e.g. v1.32.5+k3s1 (required)")
	fs.Int32Var(&o.ServerConcurrency, "server-concurrency", 1, "how many servers (control-plane nodes) upgrade at once")
	fs.Int32Var(&o.WorkerConcurrency, "worker-concurrency", 1, "how many workers upgrade at once")
	fs.BoolVar(&o.DrainServers, "drain-servers", false, "drain each server before upgrading it")
	fs.BoolVar(&o.DrainWorkers, "drain-workers", false, "drain each worker before upgrading it")
	o.Changed = fs.Changed
	o.DryRun.AddFlags(cmd)
	o.AddFlags(cmd)
	cmd.AddCommand(NewCmdStatus(f, streams))
	return cmd
}

// NewCmdStatus is `kubectl import upgrade status NAME`.
func NewCmdStatus(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewStatusOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Show a K3s upgrade's progress per pool, read live from the downstream",
		Long: templates.LongDesc(`
			For each pool (servers: k3s-master-plan, workers: k3s-worker-plan) show the plan's
			version, the nodes applying it, done and pending, the failed upgrade jobs with their node,
			and a hint when the upgrade does not progress. The downstream is read through the hub's
			gateway as you (or with --kubeconfig/--context of the downstream itself).`),
		Example: templates.Examples(`
			# Show the progress of the upgrade of k3s-prod
			kubectl import upgrade status k3s-prod

			# Print it as YAML
			kubectl import upgrade status k3s-prod -o yaml

			# Print whether every node runs the target version
			kubectl import upgrade status k3s-prod -o jsonpath='{.complete}'`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
