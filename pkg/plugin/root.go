// Package plugin assembles the `kubectl import` command from one package per verb.
package plugin

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/agentcmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/capabilities"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/completion"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/create"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/credentials"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/deletecmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/describe"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/join"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/kubeconfig"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/list"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/members"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/nodeconfig"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/preflight"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/projects"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/upgrade"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/upgrader"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/versioncmd"
)

// NewCmdImport is the root command, `kubectl import`; its verbs get their clients from f.
func NewCmdImport(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kubectl-import",
		Short: "Import existing Kubernetes clusters into a hub cluster",
		Long: templates.LongDesc(`
			kubectl import registers existing clusters with a hub (management) cluster, keeps
			them Active, assigns their projects and member roles, and drives K3s upgrades.`),
		Example: templates.Examples(`
			# Install the hub, then import the cluster of the context prod-eu into it
			kubectl import init --context hub
			kubectl import cluster prod-eu --context prod-eu --hub-context hub

			# List the imported clusters and describe one
			kubectl import list
			kubectl import describe prod-eu`),
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations: map[string]string{
			// kubectl shows plugin commands as "kubectl import ...".
			cobra.CommandDisplayNameAnnotation: "kubectl import",
		},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.AddCommand(
		initcmd.NewCmd(f, streams),
		preflight.NewCmd(f, streams),
		cluster.NewCmd(f, streams),
		create.NewCmd(f, streams),
		join.NewCmd(f, streams),
		deletecmd.NewCmd(f, streams),
		list.NewCmd(f, streams),
		describe.NewCmd(f, streams),
		projects.NewCmd(f, streams),
		members.NewCmd(f, streams),
		versioncmd.NewCmd(f, streams),
		capabilities.NewCmd(f, streams),
		nodeconfig.NewCmd(f, streams),
		credentials.NewCmd(f, streams),
		kubeconfig.NewCmd(f, streams),
		upgrade.NewCmd(f, streams),
		upgrader.NewCmd(f, streams),
		agentcmd.NewCmd(f, streams),
		completion.NewCmd(f, streams),
	)
	return cmd
}
