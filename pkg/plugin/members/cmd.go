// Package members implements `kubectl import members NAME`: show the users and groups given a
// role in an imported cluster, or change them with --add/--remove.
package members

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import members NAME [--add KIND:NAME=ROLE]... [--remove KIND:NAME]...`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "members NAME [--add KIND:NAME=ROLE]... [--remove KIND:NAME]...",
		Short: "Show or change the users and groups given a role in an imported cluster",
		Long: templates.LongDesc(`
			Show or change the members of an imported cluster. KIND is User or Group; ROLE is
			cluster-owner (bound to the downstream ClusterRole cluster-admin) or cluster-member (bound to
			view). The hub applies the change to the downstream cluster.`),
		Example: templates.Examples(`
			# Show the members of prod-eu
			kubectl import members prod-eu

			# Print the names of the members
			kubectl import members prod-eu -o jsonpath='{.spec.members[*].name}'

			# Give alice and the group sre a role
			kubectl import members prod-eu --add User:alice@example.com=cluster-owner --add Group:sre=cluster-member

			# Remove the group sre
			kubectl import members prod-eu --remove Group:sre

			# Have the hub check a change without making it, and print the result
			kubectl import members prod-eu --add User:bob=cluster-member --dry-run=server -o yaml`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	o.AddFlags(cmd)
	o.DryRun.AddFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Add, "add", nil, "Give a member a role, as KIND:NAME=ROLE (repeatable); replaces the role of an existing member")
	cmd.Flags().StringArrayVar(&o.Remove, "remove", nil, "Remove a member, as KIND:NAME (repeatable)")
	return cmd
}
