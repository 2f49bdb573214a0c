package projects

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import projects`.
type Options struct {
	common.RecordOptions
}

// NewOptions accepts -o json|yaml|name (the ImportedCluster, as kubectl prints objects).
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
}

// Run connects to the hub and prints the projects table, or the object with -o.
func (o *Options) Run(ctx context.Context) error {
	_, ic, err := o.Record(ctx)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.Output.PrintObj(ic, o.Out)
	}
	if len(ic.Status.Projects) == 0 {
		fmt.Fprintf(o.ErrOut, "No projects assigned to importedcluster %q yet (phase %s); the hub assigns them once it reaches the cluster.\n",
			ic.Name, common.ValueOrNone(string(ic.Status.Phase)))
		return nil
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "NAMESPACES"}, Rows(ic.Status.Projects))
}

// Rows are project name and comma-separated namespaces, in status order.
func Rows(projects []v1alpha1.Project) [][]string {
	rows := make([][]string, len(projects))
	for i, p := range projects {
		rows[i] = []string{p.Name, common.ValueOrNone(strings.Join(p.Namespaces, ","))}
	}
	return rows
}
