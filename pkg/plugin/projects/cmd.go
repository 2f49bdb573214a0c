// Package projects implements `kubectl import projects NAME`: the projects of an imported
// cluster, their namespaces and members, and the subcommands that create, change and delete
// them (create, add-namespace, remove-namespace, members, delete).
package projects

import (
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import projects NAME` and its subcommands. A subcommand may also be
// written after NAME, as in `kubectl import projects NAME create PROJECT`
// (common.NameFirstAnnotation).
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "projects NAME",
		Short: "List, create and change the projects of an imported cluster: namespaces and members",
		Long: templates.LongDesc(`
			List the projects of the imported cluster NAME with their downstream namespaces and
			members. Every cluster has Default (namespace default) and System (cattle-system,
			ingress-nginx, kube-public, kube-system); other projects are created with 'create'. A
			project gives each of its members a role in every one of its namespaces (a RoleBinding
			the hub's sync keeps): project-owner (admin), project-member (edit) or read-only (view).
			NAMESPACES shows the namespaces the hub last found in the cluster, and those the project
			lists that it has not found yet as (pending). -o prints the ImportedCluster itself.`),
		Example: templates.Examples(`
			# List the projects of prod-eu
			kubectl import projects prod-eu

			# Create a project for team A, with a namespace and its developers
			kubectl import projects prod-eu create team-a --namespace team-a --member Group:team-a=project-member

			# Add a namespace, change members, delete the project
			kubectl import projects prod-eu add-namespace team-a team-a-staging
			kubectl import projects prod-eu members team-a --add User:dana=project-owner --remove Group:team-a
			kubectl import projects prod-eu delete team-a

			# Print the project names only
			kubectl import projects prod-eu -o jsonpath='{.status.projects[*].name}'`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: completeNameThenSubcommand(common.CompleteClusterNames(f, &o.Hub)),
		RunE:              common.RunE(o),
		Annotations:       map[string]string{common.NameFirstAnnotation: "true"},
	}
	o.AddFlags(cmd)
	cmd.AddCommand(newCmdCreate(f, streams), newCmdAddNamespace(f, streams), newCmdRemoveNamespace(f, streams),
		newCmdMembers(f, streams), newCmdDelete(f, streams))
	return cmd
}

// completeNameThenSubcommand completes NAME with names, then the subcommands that may follow
// it (`projects NAME create ...`).
func completeNameThenSubcommand(names cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return names(cmd, args, toComplete)
		}
		var subs []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() && strings.HasPrefix(c.Name(), toComplete) {
				subs = append(subs, c.Name())
			}
		}
		return subs, cobra.ShellCompDirectiveNoFileComp
	}
}
