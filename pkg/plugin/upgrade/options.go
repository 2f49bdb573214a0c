package upgrade

import (
	"context"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/record"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// Options of `kubectl import upgrade NAME --to VERSION`.
type Options struct {
	common.RecordOptions
	DryRun common.DryRunFlags
	To     string

	ServerConcurrency, WorkerConcurrency int32
	DrainServers, DrainWorkers           bool
	// Changed says whether a flag was given: the strategy flags left out keep their stored value.
	Changed func(flag string) bool
}

// NewOptions accepts -o json|yaml|name.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName)}
}

// Validate checks the flags alone.
func (o *Options) Validate() error {
	if o.To == "" {
		return fmt.Errorf("--to is required: the K3s version to upgrade to, e.g. --to v1.32.5+k3s1")
	}
	if _, err := validate.ParseK3sVersion(o.To); err != nil {
		return fmt.Errorf("invalid --to: %w", err)
	}
	for flag, v := range map[string]int32{"server-concurrency": o.ServerConcurrency, "worker-concurrency": o.WorkerConcurrency} {
		if v < 1 {
			return fmt.Errorf("invalid --%s %d: must be at least 1 (the upgrade controller upgrades no node at 0)", flag, v)
		}
	}
	if err := o.DryRun.Validate(); err != nil {
		return err
	}
	return o.Output.Validate()
}

// Run checks the version against the cluster, writes spec.k3s and reminds of the backup.
func (o *Options) Run(ctx context.Context) error {
	hub, err := o.hubClient()
	if err != nil {
		return err
	}
	old, err := record.Get(ctx, hub, o.Name)
	if err != nil {
		return err
	}
	if err := checkVersion(old, o.To); err != nil {
		return err
	}
	ic := old.DeepCopy()
	ic.Spec.K3s = o.k3sSpec(old.Spec.K3s)
	res := validate.Upgrade(ic, old, validate.PoolsFromStatus(old.Status))
	if err := res.Err(); err != nil {
		return fmt.Errorf("importedcluster %q: %w", o.Name, err)
	}
	if o.DryRun.Client() {
		for _, w := range res.Warnings { // the webhook says these when the object is sent
			fmt.Fprintf(o.ErrOut, "Warning: %s\n", w)
		}
	} else {
		opts := []client.UpdateOption{client.FieldOwner(v1alpha1.FieldManager)}
		if o.DryRun.Server() {
			opts = append(opts, client.DryRunAll)
		}
		if err := hub.Update(ctx, ic, opts...); err != nil {
			return fmt.Errorf("updating importedcluster %q: %w", o.Name, err)
		}
	}
	if err := o.print(ic); err != nil {
		return err
	}
	reminderTo := o.Out
	if !o.Output.Human() {
		reminderTo = o.ErrOut // keep stdout parseable
	}
	backupReminder(reminderTo, ic)
	return nil
}

func (o *Options) print(ic *v1alpha1.ImportedCluster) error {
	// Under dry-run, every format but name shows the plans (-o yaml, -o jsonpath=...).
	if (o.DryRun.Client() || o.DryRun.Server()) && !o.Output.Human() && o.Output.Format != common.OutputName {
		list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
		for _, p := range k3s.DesiredPlans(ic) {
			list.Items = append(list.Items, *p)
		}
		return o.Output.PrintObj(list, o.Out)
	}
	return o.Output.PrintResult(ic, "configured"+o.DryRun.Suffix(), o.Out)
}

// hubClient is the hub client with admission warnings printed as kubectl prints them.
func (o *Options) hubClient() (client.Client, error) {
	cfg, err := o.Factory.HubConfig(&o.Hub)
	if err != nil {
		return nil, err
	}
	cfg.WarningHandler = rest.NewWarningWriter(o.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	return o.Factory.Client(cfg)
}

// k3sSpec is the stored spec.k3s with the new version and the strategy flags given.
func (o *Options) k3sSpec(old *v1alpha1.K3sSpec) *v1alpha1.K3sSpec {
	k := &v1alpha1.K3sSpec{}
	if old != nil {
		*k = *old
	}
	s := k3s.Strategy(k)
	if o.Changed("server-concurrency") {
		s.ServerConcurrency = o.ServerConcurrency
	}
	if o.Changed("worker-concurrency") {
		s.WorkerConcurrency = o.WorkerConcurrency
	}
	if o.Changed("drain-servers") {
		s.DrainServerNodes = o.DrainServers
	}
	if o.Changed("drain-workers") {
		s.DrainWorkerNodes = o.DrainWorkers
	}
	k.Version, k.UpgradeStrategy = o.To, s
	return k
}

// checkVersion refuses an upgrade of a cluster that is not K3s, to a version that is not
// newer than what runs, or older than an upgrade already asked for.
func checkVersion(ic *v1alpha1.ImportedCluster, to string) error {
	target, _ := validate.ParseK3sVersion(to) // checked by Validate
	st := ic.Status
	switch {
	case st.Distribution == "":
		return fmt.Errorf("importedcluster %q has not been observed yet (status.distribution is empty): wait until it is Active ('kubectl import describe %s')", ic.Name, ic.Name)
	case st.Distribution != v1alpha1.DistK3s:
		return fmt.Errorf("importedcluster %q runs %s (status.distribution): only K3s clusters can be upgraded by kubectl import", ic.Name, st.Distribution)
	}
	running, err := validate.ParseK3sVersion(st.KubernetesVersion)
	if err != nil {
		return fmt.Errorf("importedcluster %q reports version %q, not a K3s version: wait until the reconciler has observed it", ic.Name, st.KubernetesVersion)
	}
	if c := target.Compare(running); c < 0 {
		return fmt.Errorf("invalid --to %s: older than the version the cluster runs (%s); K3s cannot be downgraded", to, running)
	} else if c == 0 && (ic.Spec.K3s == nil || ic.Spec.K3s.Version != to) {
		return fmt.Errorf("invalid --to %s: the cluster already runs it; choose a newer version", to)
	}
	if ic.Spec.K3s != nil && ic.Spec.K3s.Version != "" {
		if asked, err := validate.ParseK3sVersion(ic.Spec.K3s.Version); err == nil && target.Compare(asked) < 0 {
			return fmt.Errorf("invalid --to %s: older than the upgrade already asked for (spec.k3s.version %s); K3s cannot be downgraded", to, asked)
		}
	}
	return nil
}

// backupReminder tells how to back the cluster up before the upgrade starts.
func backupReminder(w io.Writer, ic *v1alpha1.ImportedCluster) {
	how := "it uses embedded etcd: run 'k3s etcd-snapshot save' on a server node"
	if n := ic.Status.Nodes; n != nil && n.Etcd == 0 {
		how = "it uses an external datastore: back the database up with its own tools"
	}
	fmt.Fprintf(w, "Back up %s before the upgrade starts: %s.\nFollow the upgrade with 'kubectl import upgrade status %s'.\n", ic.Name, how, ic.Name)
}
