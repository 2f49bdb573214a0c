package projects

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
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
	// change is the edit as a ProjectChange, for the edits a project-owner may make through
	// the hub's gateway (namespaces and members); nil for create and delete.
	change *gatewayapi.ProjectChange
}

// projectChange sets the edit to change, which a project-owner without hub RBAC on the record
// may also make through the hub's gateway.
func (o *ChangeOptions) projectChange(change gatewayapi.ProjectChange) {
	o.change = &change
	o.edit = projectedit.Apply(o.Project, change)
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
// word; its refusal names the rule and the field. A caller whom the hub's RBAC refuses the
// record (a project-owner with no hub rights) makes a namespaces or members change through
// the hub's gateway instead (throughGateway).
func (o *ChangeOptions) Run(ctx context.Context) error {
	cfg, err := o.Factory.HubConfig(&o.Hub)
	if err != nil {
		return err
	}
	hub, err := o.Factory.Client(cfg)
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
	if o.change != nil && record.HubRBACForbidden(err) {
		return o.throughGateway(ctx, cfg)
	}
	if err != nil {
		return importer.ExplainAdmission(err)
	}
	return o.printResult(ic, changed)
}

// throughGateway sends the change to the hub's gateway as the caller (record.ChangeProject),
// which writes it if the caller is a project-owner of the project; with --dry-run=client it
// applies the edit to the projects the gateway shows the caller and prints the result.
func (o *ChangeOptions) throughGateway(ctx context.Context, cfg *rest.Config) error {
	var ic *v1alpha1.ImportedCluster
	changed := false
	var err error
	if o.DryRun.Client() {
		if ic, err = record.GatewayProjects(ctx, cfg, o.Name); err == nil {
			changed, err = o.edit(ic)
		}
	} else {
		ic, changed, err = record.ChangeProject(ctx, cfg, o.Name, o.Project, *o.change, o.DryRun.Server())
	}
	if err != nil {
		return fmt.Errorf("importedcluster %q, through the hub's gateway as a project-owner (the hub's RBAC does not let you update it yourself): %w", o.Name, importer.ExplainAdmission(err))
	}
	return o.printResult(ic, changed)
}

func (o *ChangeOptions) printResult(ic *v1alpha1.ImportedCluster, changed bool) error {
	op := "unchanged"
	if changed {
		op = "configured"
	}
	return o.Output.PrintResult(ic, op+o.DryRun.Suffix(), o.Out)
}

// readProjects reads NAME's record or, when the hub's RBAC refuses it to the caller, the
// projects the caller may see through the hub's gateway (record.GatewayProjects).
func readProjects(ctx context.Context, o *common.RecordOptions) (*v1alpha1.ImportedCluster, error) {
	_, ic, err := o.Record(ctx)
	if !record.HubRBACForbidden(err) {
		return ic, err
	}
	cfg, cerr := o.Factory.HubConfig(&o.Hub)
	if cerr != nil {
		return nil, cerr
	}
	if ic, err = record.GatewayProjects(ctx, cfg, o.Name); err != nil {
		return nil, fmt.Errorf("importedcluster %q, through the hub's gateway (the hub's RBAC lets you not read it yourself): %w", o.Name, err)
	}
	return ic, nil
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
