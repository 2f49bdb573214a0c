package projects

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import projects NAME`.
type Options struct {
	common.RecordOptions
}

// NewOptions accepts -o json|yaml|name (the ImportedCluster, as kubectl prints objects).
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
}

// Run connects to the hub and prints the projects table, or the object with -o. A caller whom
// the hub's RBAC refuses the record sees, through the hub's gateway, the projects it is a
// member of (all of them as a member of the cluster).
func (o *Options) Run(ctx context.Context) error {
	ic, err := readProjects(ctx, &o.RecordOptions)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.Output.PrintObj(ic, o.Out)
	}
	if len(ic.Status.Projects) == 0 && len(ic.Spec.Projects) == 0 {
		fmt.Fprintf(o.ErrOut, "No projects assigned to importedcluster %q yet (phase %s); the hub assigns them once it reaches the cluster.\n",
			ic.Name, common.ValueOrNone(string(ic.Status.Phase)))
		return nil
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "NAMESPACES", "MEMBERS"}, Rows(ic))
}

// Rows are, for each project (common.ProjectsOf), its name, its namespaces (those status
// found, then those the spec lists that status has not found, marked (pending)) and its
// members, as KIND:NAME=ROLE.
func Rows(ic *v1alpha1.ImportedCluster) [][]string {
	var rows [][]string
	for _, p := range common.ProjectsOf(ic) {
		namespaces := slices.Clone(p.Namespaces)
		for _, ns := range p.Pending {
			namespaces = append(namespaces, ns+" (pending)")
		}
		members := make([]string, len(p.Members))
		for i, m := range p.Members {
			members[i] = common.FormatProjectMember(m)
		}
		rows = append(rows, []string{p.Name, common.ValueOrNone(strings.Join(namespaces, ",")), common.ValueOrNone(strings.Join(members, ","))})
	}
	return rows
}
