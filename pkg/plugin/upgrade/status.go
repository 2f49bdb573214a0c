package upgrade

import (
	"context"
	"fmt"
	"io"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// StatusOptions of `kubectl import upgrade status NAME`.
type StatusOptions struct {
	common.DownstreamOptions
}

// NewStatusOptions accepts -o json|yaml.
func NewStatusOptions(f common.Factory, streams genericiooptions.IOStreams) *StatusOptions {
	return &StatusOptions{DownstreamOptions: common.NewDownstreamOptions(f, streams, common.OutputJSON, common.OutputYAML)}
}

// StatusDocument is what -o json|yaml prints.
type StatusDocument struct {
	Cluster             string `json:"cluster"`
	RunningVersion      string `json:"runningVersion"`
	ControllerInstalled bool   `json:"controllerInstalled"`
	Complete            bool   `json:"complete"`
	*k3s.Rollout        `json:",inline"`
	Strategy            v1alpha1.UpgradeStrategy `json:"strategy"`
	Hints               []string                 `json:"hints,omitempty"`
}

// maxListed bounds the node names a table cell lists.
const maxListed = 10

// Run reads the rollout live from the downstream and prints it.
func (o *StatusOptions) Run(ctx context.Context) error {
	ic, cfg, err := o.Reach(ctx)
	if err != nil {
		return err
	}
	if ic.Spec.K3s == nil || ic.Spec.K3s.Version == "" {
		return fmt.Errorf("no upgrade was asked for %q (spec.k3s.version is empty; it runs %s): start one with 'kubectl import upgrade %s --to VERSION'",
			o.Name, common.ValueOrNone(ic.Status.KubernetesVersion), o.Name)
	}
	cs, err := o.Factory.Clientset(cfg)
	if err != nil {
		return err
	}
	dyn, err := o.Factory.Dynamic(cfg)
	if err != nil {
		return err
	}
	present, err := k3sops.ControllerPresent(ctx, cs)
	if err != nil {
		return err
	}
	r, err := k3sops.Observe(ctx, cs, dyn, ic.Spec.K3s.Version)
	if err != nil {
		return fmt.Errorf("reading the upgrade of %q: %w", o.Name, err)
	}
	doc := StatusDocument{Cluster: o.Name, RunningVersion: ic.Status.KubernetesVersion, ControllerInstalled: present,
		Complete: r.Complete(), Rollout: r, Strategy: k3s.Strategy(ic.Spec.K3s), Hints: r.Hints(o.Name, present)}
	if printed, err := o.Output.PrintDocument(doc, o.Out); printed || err != nil {
		return err
	}
	return printStatus(o.Out, doc, o.Output)
}

// printStatus prints the rollout read from the downstream; its tables and lines are escaped
// (common.Escape), job messages above all.
func printStatus(w io.Writer, doc StatusDocument, out *common.OutputFlags) error {
	state := "in progress"
	if doc.Complete {
		state = "complete: every node runs it"
	}
	fmt.Fprintf(w, "Target:    %s (%s)\n", common.Escape(doc.Target), state)
	fmt.Fprintf(w, "Strategy:  %s\n\n", describeStrategy(doc.Strategy))
	rows := [][]string{}
	for _, p := range []struct {
		pool string
		p    k3s.PoolRollout
	}{{"servers", doc.Servers}, {"workers", doc.Workers}} {
		version, resolved := "<missing>", "<none>"
		if p.p.Found {
			version, resolved = common.ValueOrNone(p.p.SpecVersion), common.ValueOrNone(p.p.LatestVersion)
		}
		rows = append(rows, []string{p.pool, p.p.Plan, version, resolved, names(p.p.Applying),
			fmt.Sprintf("%d/%d", len(p.p.Done), p.p.Total()), names(p.p.Pending)})
	}
	if err := out.PrintTable(w, []string{"POOL", "PLAN", "VERSION", "RESOLVED", "APPLYING", "DONE", "PENDING"}, rows); err != nil {
		return err
	}
	if len(doc.FailedJobs) > 0 {
		fmt.Fprintln(w, "\nFailed jobs:")
		jobs := make([][]string, 0, len(doc.FailedJobs))
		for _, j := range doc.FailedJobs {
			jobs = append(jobs, []string{j.Job, j.Node, j.Message})
		}
		if err := out.PrintTable(w, []string{"JOB", "NODE", "MESSAGE"}, jobs); err != nil {
			return err
		}
	}
	if len(doc.Hints) > 0 {
		fmt.Fprintln(w, "\nHints:")
		for _, h := range doc.Hints {
			fmt.Fprintf(w, "  - %s\n", common.Escape(h))
		}
	}
	return nil
}

func describeStrategy(s v1alpha1.UpgradeStrategy) string {
	drain := func(on bool) string {
		if on {
			return "drained"
		}
		return "not drained"
	}
	return fmt.Sprintf("%d server(s) at once (%s), %d worker(s) at once (%s)",
		s.ServerConcurrency, drain(s.DrainServerNodes), s.WorkerConcurrency, drain(s.DrainWorkerNodes))
}

// names lists at most maxListed names, then how many more.
func names(list []string) string {
	if len(list) == 0 {
		return "<none>"
	}
	s := strings.Join(list[:min(len(list), maxListed)], ",")
	if more := len(list) - maxListed; more > 0 {
		s += fmt.Sprintf(",+%d more", more)
	}
	return s
}
