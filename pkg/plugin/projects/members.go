package projects

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/projectedit"
)

// MembersOptions of `kubectl import projects NAME members PROJECT [--add ...] [--remove ...]`.
type MembersOptions struct {
	ChangeOptions
	Add    []string
	Remove []string

	add, remove []v1alpha1.ProjectMember
}

// Complete takes NAME and PROJECT and parses every change, so bad input changes nothing. A
// subject named twice with different intents (two roles, or added and removed) is refused.
func (o *MembersOptions) Complete(args []string) error {
	if err := o.completeProject(args); err != nil {
		return err
	}
	seen := map[v1alpha1.Member]string{}
	claim := func(m v1alpha1.ProjectMember, flag, value string) error {
		s := m.Subject()
		if prev, dup := seen[s]; dup && prev != flag+" "+value {
			return fmt.Errorf("%s %q conflicts with %s: give each member one change", flag, value, prev)
		}
		seen[s] = flag + " " + value
		return nil
	}
	for _, v := range o.Add {
		m, err := common.ParseProjectMember(o.Project, v)
		if err != nil {
			return fmt.Errorf("invalid --add %w", err)
		}
		if err := claim(m, "--add", v); err != nil {
			return err
		}
		if !slices.Contains(o.add, m) {
			o.add = append(o.add, m)
		}
	}
	for _, v := range o.Remove {
		ref, err := common.ParseMemberRef(v)
		if err != nil {
			return fmt.Errorf("invalid --remove %w", err)
		}
		m := v1alpha1.ProjectMember{Kind: ref.Kind, Name: ref.Name}
		if err := claim(m, "--remove", v); err != nil {
			return err
		}
		o.remove = append(o.remove, m)
	}
	change := gatewayapi.ProjectChange{AddMembers: o.add}
	for _, r := range o.remove {
		change.RemoveMembers = append(change.RemoveMembers, gatewayapi.MemberRef{Kind: r.Kind, Name: r.Name})
	}
	o.projectChange(change)
	return nil
}

// changes says whether --add or --remove was given.
func (o *MembersOptions) changes() bool { return len(o.add)+len(o.remove) > 0 }

// Validate checks the flags and the changes together.
func (o *MembersOptions) Validate() error {
	if err := o.ChangeOptions.Validate(); err != nil {
		return err
	}
	if !o.changes() && (o.DryRun.Client() || o.DryRun.Server()) {
		return errors.New("--dry-run needs a change: pass --add KIND:NAME=ROLE or --remove KIND:NAME")
	}
	return nil
}

// Run shows the project's members, or applies the change.
func (o *MembersOptions) Run(ctx context.Context) error {
	if o.changes() {
		return o.ChangeOptions.Run(ctx)
	}
	ic, err := readProjects(ctx, &o.RecordOptions)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.Output.PrintObj(ic, o.Out)
	}
	i := projectedit.Find(ic, o.Project)
	if i < 0 && !projectedit.Builtin(o.Project) {
		return fmt.Errorf("importedcluster %q: %w", o.Name, projectedit.NotFound(ic, o.Project))
	}
	if i < 0 || len(ic.Spec.Projects[i].Members) == 0 {
		fmt.Fprintf(o.ErrOut, "No members in project %s of importedcluster %q; add one with --add KIND:NAME=ROLE.\n", o.Project, ic.Name)
		return nil
	}
	var rows [][]string
	for _, m := range ic.Spec.Projects[i].Members {
		rows = append(rows, []string{m.Name, string(m.Kind), string(m.Role), common.ValueOrNone(agent.ProjectRoles[m.Role])})
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "KIND", "ROLE", "DOWNSTREAM ROLE"}, rows)
}

func newCmdMembers(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &MembersOptions{ChangeOptions: newChangeOptions(f, streams)}
	cmd := &cobra.Command{
		Use:   "members NAME PROJECT [--add KIND:NAME=ROLE]... [--remove KIND:NAME]...",
		Short: "Show or change the users and groups given a role in a project",
		Long: templates.LongDesc(`
			Show or change the members of the project PROJECT of the imported cluster NAME. KIND is
			User or Group; ROLE is project-owner (bound to the downstream ClusterRole admin in each
			namespace of the project), project-member (edit) or read-only (view). In System, whose
			namespaces hold the cluster's own workloads and credentials, only cluster-owners may be
			project-owner or project-member. The hub's sync applies the change within one interval.
			Written also as 'kubectl import projects NAME members PROJECT ...'.`),
		Example: templates.Examples(`
			# Show the members of team A's project
			kubectl import projects prod-eu members team-a

			# Let dana edit team A's namespaces, and the auditors read them
			kubectl import projects prod-eu members team-a --add User:dana=project-member --add Group:auditors=read-only

			# Remove dana
			kubectl import projects prod-eu members team-a --remove User:dana`),
		Args: exactArgs("NAME and PROJECT", 2),
		RunE: common.RunE(o),
	}
	o.addFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Add, "add", nil, "Give a member a role in the project, as KIND:NAME=ROLE (repeatable); replaces the role of an existing member")
	cmd.Flags().StringArrayVar(&o.Remove, "remove", nil, "Remove a member, as KIND:NAME (repeatable)")
	return cmd
}
