package members

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/record"
)

// Options of `kubectl import members`.
type Options struct {
	common.RecordOptions
	DryRun common.DryRunFlags
	Add    []string
	Remove []string

	edit   Edit
	client client.Client
}

// NewOptions accepts -o json|yaml|name.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
}

// Complete takes NAME and parses every change, so bad input changes nothing.
func (o *Options) Complete(args []string) error {
	var err error
	o.edit, err = ParseEdit(o.Add, o.Remove)
	if err != nil {
		return err
	}
	return o.RecordOptions.Complete(args)
}

// Validate checks the flags and the changes together.
func (o *Options) Validate() error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if err := o.DryRun.Validate(); err != nil {
		return err
	}
	if o.edit.Empty() && (o.DryRun.Client() || o.DryRun.Server()) {
		return errors.New("--dry-run needs a change: pass --add KIND:NAME=ROLE or --remove KIND:NAME")
	}
	return nil
}

// Run connects to the hub and shows the members, or applies the change.
func (o *Options) Run(ctx context.Context) error {
	var err error
	if o.client, err = o.HubClient(); err != nil {
		return err
	}
	if o.edit.Empty() {
		return o.show(ctx)
	}
	ic, changed, err := o.update(ctx)
	if err != nil {
		return err
	}
	op := "unchanged"
	if changed {
		op = "configured"
	}
	return o.Output.PrintResult(ic, op+o.DryRun.Suffix(), o.Out)
}

func (o *Options) show(ctx context.Context) error {
	ic, err := record.Get(ctx, o.client, o.Name)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.Output.PrintObj(ic, o.Out)
	}
	if len(ic.Spec.Members) == 0 {
		fmt.Fprintf(o.ErrOut, "No members in importedcluster %q; add one with --add KIND:NAME=ROLE.\n", ic.Name)
		return nil
	}
	// NAME first, as in kubectl's tables.
	rows := common.MemberRows(ic.Spec.Members)
	for _, r := range rows {
		r[0], r[1] = r[1], r[0]
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "KIND", "ROLE", "DOWNSTREAM ROLE"}, rows)
}

// update applies the edit to the latest object, retrying when the object changed between
// read and write. Only spec changes; the reconciler turns members into downstream bindings.
func (o *Options) update(ctx context.Context) (*v1alpha1.ImportedCluster, bool, error) {
	var ic *v1alpha1.ImportedCluster
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if ic, err = record.Get(ctx, o.client, o.Name); err != nil {
			return err
		}
		members, err := o.edit.Apply(ic.Spec.Members)
		if err != nil {
			return fmt.Errorf("importedcluster %q: %w", o.Name, err)
		}
		changed = !slices.Equal(members, ic.Spec.Members)
		ic.Spec.Members = members
		if !changed || o.DryRun.Client() {
			return nil
		}
		var opts []client.UpdateOption
		if o.DryRun.Server() {
			opts = append(opts, client.DryRunAll)
		}
		if err := o.client.Update(ctx, ic, opts...); err != nil {
			return fmt.Errorf("updating the members of importedcluster %q: %w", o.Name, err)
		}
		return nil
	})
	if err != nil {
		return nil, false, importer.ExplainAdmission(err)
	}
	return ic, changed, nil
}
