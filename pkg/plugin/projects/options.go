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

// Run connects to the hub and prints the projects table, or the object with -o.
func (o *Options) Run(ctx context.Context) error {
	_, ic, err := o.Record(ctx)
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

// Rows are, for each project (those status reports, in its order, then those of the spec it
// does not report yet), its name, its namespaces (those status found, then those the spec
// lists that status has not found, marked (pending)) and its members, as KIND:NAME=ROLE.
func Rows(ic *v1alpha1.ImportedCluster) [][]string {
	var rows [][]string
	for _, p := range View(ic) {
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

// Project is one project as the plugin shows it: what the hub found (status) and what the
// spec asks for.
type Project struct {
	Name       string
	Namespaces []string
	// Pending are the namespaces the spec lists that status does not report (yet).
	Pending []string
	Members []v1alpha1.ProjectMember
}

// View merges the projects of ic's status and spec: status's order first, then the spec's
// projects status does not report yet.
func View(ic *v1alpha1.ImportedCluster) []Project {
	var out []Project
	index := map[string]int{}
	for _, p := range ic.Status.Projects {
		index[p.Name] = len(out)
		out = append(out, Project{Name: p.Name, Namespaces: p.Namespaces})
	}
	for _, s := range ic.Spec.Projects {
		i, ok := index[s.Name]
		if !ok {
			index[s.Name] = len(out)
			i = len(out)
			out = append(out, Project{Name: s.Name})
		}
		p := &out[i]
		p.Members = append(p.Members, s.Members...)
		for _, ns := range s.Namespaces {
			if !slices.Contains(p.Namespaces, string(ns)) && !slices.Contains(p.Pending, string(ns)) {
				p.Pending = append(p.Pending, string(ns))
			}
		}
	}
	return out
}
