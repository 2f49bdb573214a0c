package projects

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NamespaceOptions of `kubectl import projects NAME add-namespace|remove-namespace PROJECT NS...`.
type NamespaceOptions struct {
	ChangeOptions
	add bool
}

// Complete takes NAME, PROJECT and the namespaces.
func (o *NamespaceOptions) Complete(args []string) error {
	if err := o.completeProject(args); err != nil {
		return err
	}
	namespaces, err := parseNamespaces("NAMESPACE", args[2:])
	if err != nil {
		return err
	}
	if o.add {
		o.projectChange(gatewayapi.ProjectChange{AddNamespaces: namespaces})
	} else {
		o.projectChange(gatewayapi.ProjectChange{RemoveNamespaces: namespaces})
	}
	return nil
}

func newCmdAddNamespace(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &NamespaceOptions{ChangeOptions: newChangeOptions(f, streams), add: true}
	cmd := &cobra.Command{
		Use:   "add-namespace NAME PROJECT NAMESPACE...",
		Short: "Put downstream namespaces in a project: its members get their role there",
		Long: templates.LongDesc(`
			Put the downstream namespaces NAMESPACE in the project PROJECT of the imported cluster
			NAME (Default and System included). Its members get their role in them at the hub's
			next sync; a namespace that does not exist yet is covered once it is created. A
			namespace of another project is refused: take it out with remove-namespace first.
			Written also as 'kubectl import projects NAME add-namespace PROJECT NAMESPACE...'.`),
		Example: templates.Examples(`
			# Give team A a staging namespace
			kubectl import projects prod-eu add-namespace team-a team-a-staging`),
		Args: minArgs("NAME, PROJECT and a NAMESPACE", 3),
		RunE: common.RunE(o),
	}
	o.addFlags(cmd)
	return cmd
}

func newCmdRemoveNamespace(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &NamespaceOptions{ChangeOptions: newChangeOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "remove-namespace NAME PROJECT NAMESPACE...",
		Short: "Take downstream namespaces out of a project: its members lose their role there",
		Long: templates.LongDesc(`
			Take the downstream namespaces NAMESPACE out of the project PROJECT of the imported
			cluster NAME. Its members lose their role in them, and the project label goes, at the
			hub's next sync; the namespaces themselves stay. The namespaces Default and System
			always hold cannot leave them. Written also as
			'kubectl import projects NAME remove-namespace PROJECT NAMESPACE...'.`),
		Example: templates.Examples(`
			# Move team-a-staging from team A to team B
			kubectl import projects prod-eu remove-namespace team-a team-a-staging
			kubectl import projects prod-eu add-namespace team-b team-a-staging`),
		Args: minArgs("NAME, PROJECT and a NAMESPACE", 3),
		RunE: common.RunE(o),
	}
	o.addFlags(cmd)
	return cmd
}
