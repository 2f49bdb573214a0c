package projects

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/projectedit"
)

// CreateOptions of `kubectl import projects NAME create PROJECT`.
type CreateOptions struct {
	ChangeOptions
	Namespaces []string
	Members    []string
}

// Complete takes NAME and PROJECT and parses every flag, so bad input changes nothing.
func (o *CreateOptions) Complete(args []string) error {
	if err := o.completeProject(args); err != nil {
		return err
	}
	namespaces, err := parseNamespaces("--namespace", o.Namespaces)
	if err != nil {
		return err
	}
	var members []v1alpha1.ProjectMember
	for _, s := range o.Members {
		m, err := common.ParseProjectMember(o.Project, s)
		if err != nil {
			return fmt.Errorf("invalid --member %w", err)
		}
		if i := slices.IndexFunc(members, func(p v1alpha1.ProjectMember) bool { return p.Kind == m.Kind && p.Name == m.Name }); i >= 0 {
			if members[i].Role != m.Role {
				return fmt.Errorf("invalid --member: %q conflicts with --member %s: give each member one role", s, common.FormatProjectMember(members[i]))
			}
			continue
		}
		members = append(members, m)
	}
	o.edit = projectedit.Create(o.Project, slices.Compact(slices.Sorted(slices.Values(namespaces))), members)
	return nil
}

func newCmdCreate(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &CreateOptions{ChangeOptions: newChangeOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "create NAME PROJECT [--namespace NS]... [--member KIND:NAME=ROLE]...",
		Short: "Create a project: downstream namespaces and the users and groups given a role in each",
		Long: templates.LongDesc(`
			Create the project PROJECT in the imported cluster NAME, with the downstream namespaces
			--namespace (a namespace that does not exist yet is covered once it is created, as is one
			created with the label kimport.dev/project=PROJECT) and the members --member. ROLE is
			project-owner (bound to the downstream ClusterRole admin in each namespace),
			project-member (edit) or read-only (view). A namespace belongs to one project only;
			Default and System always exist. The hub's sync applies the project within one
			interval. Written also as 'kubectl import projects NAME create PROJECT'.`),
		Example: templates.Examples(`
			# A project for team A with two namespaces, its developers editing them
			kubectl import projects prod-eu create team-a --namespace team-a-dev --namespace team-a-prod --member Group:team-a=project-member

			# Print what would be written, without writing it
			kubectl import projects prod-eu create team-a --namespace team-a-dev --dry-run=client -o yaml`),
		Args: exactArgs("NAME and PROJECT", 2),
		RunE: common.RunE(o),
	}
	o.addFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Namespaces, "namespace", nil, "A downstream namespace of the project (repeatable)")
	cmd.Flags().StringArrayVar(&o.Members, "member", nil, "Give a member a role in the project, as KIND:NAME=ROLE with ROLE project-owner, project-member or read-only (repeatable)")
	return cmd
}

// exactArgs accepts n arguments, named what in the error.
func exactArgs(what string, n int) cobra.PositionalArgs { return argCount(what, n, false) }

// minArgs accepts at least n arguments, named what in the error.
func minArgs(what string, n int) cobra.PositionalArgs { return argCount(what, n, true) }

func argCount(what string, n int, more bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n || len(args) > n && !more {
			return fmt.Errorf("%s are required (got %d argument(s)): usage: %s", what, len(args), cmd.UseLine())
		}
		return nil
	}
}
