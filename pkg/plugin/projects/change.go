package projects

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/projectedit"
	"github.com/kubectl-import/kubectl-import/pkg/record"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// ChangeOptions are what every subcommand that changes a project shares: the record, the
// project, -o, --dry-run and the edit its Complete made.
type ChangeOptions struct {
	common.RecordOptions
	DryRun  common.DryRunFlags
	Project string

	edit projectedit.Edit
}

// newChangeOptions accepts -o json|yaml|name (the ImportedCluster, as kubectl prints objects).
func newChangeOptions(f common.Factory, streams genericiooptions.IOStreams) ChangeOptions {
	return ChangeOptions{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
}

func (o *ChangeOptions) addFlags(cmd *cobra.Command) {
	o.AddFlags(cmd)
	o.DryRun.AddFlags(cmd)
}

// completeProject takes NAME and PROJECT, checking PROJECT's form.
func (o *ChangeOptions) completeProject(args []string) error {
	if err := o.RecordOptions.Complete(args); err != nil {
		return err
	}
	o.Project = args[1]
	if err := validate.ProjectName(o.Project); err != nil {
		return fmt.Errorf("invalid PROJECT %q: %w", o.Project, err)
	}
	return nil
}

// Validate checks -o and --dry-run.
func (o *ChangeOptions) Validate() error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	return o.DryRun.Validate()
}

// Run applies the edit to the latest ImportedCluster, retrying when it changed between read
// and write, and prints the result as kubectl prints an applied object: configured, or
// unchanged when the edit changes nothing (a re-run converges). The hub's webhook has the last
// word; its refusal names the rule and the field.
func (o *ChangeOptions) Run(ctx context.Context) error {
	hub, err := o.HubClient()
	if err != nil {
		return err
	}
	var ic *v1alpha1.ImportedCluster
	changed := false
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if ic, err = record.Get(ctx, hub, o.Name); err != nil {
			return err
		}
		if changed, err = o.edit(ic); err != nil {
			return fmt.Errorf("importedcluster %q: %w", o.Name, err)
		}
		if !changed || o.DryRun.Client() {
			return nil
		}
		var opts []client.UpdateOption
		if o.DryRun.Server() {
			opts = append(opts, client.DryRunAll)
		}
		if err := hub.Update(ctx, ic, opts...); err != nil {
			return fmt.Errorf("updating the projects of importedcluster %q: %w", o.Name, err)
		}
		return nil
	})
	if err != nil {
		return importer.ExplainAdmission(err)
	}
	op := "unchanged"
	if changed {
		op = "configured"
	}
	return o.Output.PrintResult(ic, op+o.DryRun.Suffix(), o.Out)
}

// parseNamespaces checks each namespace name, naming the flag or argument.
func parseNamespaces(what string, values []string) ([]v1alpha1.NamespaceName, error) {
	var out []v1alpha1.NamespaceName
	for _, v := range values {
		if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
			return nil, fmt.Errorf("invalid %s %q: not a namespace name: %s", what, v, errs[0])
		}
		out = append(out, v1alpha1.NamespaceName(v))
	}
	return out, nil
}
