package projects

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/projectedit"
)

// DeleteOptions of `kubectl import projects NAME delete PROJECT`.
type DeleteOptions struct {
	ChangeOptions
}

// Complete takes NAME and PROJECT.
func (o *DeleteOptions) Complete(args []string) error {
	if err := o.completeProject(args); err != nil {
		return err
	}
	o.edit = projectedit.Delete(o.Project)
	return nil
}

func newCmdDelete(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DeleteOptions{ChangeOptions: newChangeOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "delete NAME PROJECT",
		Short: "Delete a project: its members lose their roles, its namespaces stay",
		Long: templates.LongDesc(`
			Delete the project PROJECT of the imported cluster NAME. At the hub's next sync its
			members lose their roles in its namespaces and the project label goes; the namespaces
			and what runs in them stay. Default and System always exist. Written also as
			'kubectl import projects NAME delete PROJECT'.`),
		Example: templates.Examples(`
			# Delete team A's project
			kubectl import projects prod-eu delete team-a`),
		Args: exactArgs("NAME and PROJECT", 2),
		RunE: common.RunE(o),
	}
	o.addFlags(cmd)
	return cmd
}
