package capabilities

import (
	"context"
	"fmt"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// ShowOptions of `kubectl import capabilities NAME`.
type ShowOptions struct {
	common.DownstreamOptions
}

// NewShowOptions accepts -o json|yaml besides the table.
func NewShowOptions(f common.Factory, streams genericiooptions.IOStreams) *ShowOptions {
	return &ShowOptions{DownstreamOptions: common.NewDownstreamOptions(f, streams, common.OutputJSON, common.OutputYAML)}
}

// Document is what -o json|yaml prints.
type Document struct {
	Cluster      string           `json:"cluster"`
	Live         bool             `json:"live"`
	Capabilities []k3s.Capability `json:"capabilities"`
}

// Run detects the capabilities live and merges the overrides.
func (o *ShowOptions) Run(ctx context.Context) error {
	_, ic, err := o.Record(ctx)
	if err != nil {
		return err
	}
	doc := Document{Cluster: o.Name, Live: true}
	caps, err := o.live(ctx, ic)
	if err != nil {
		fmt.Fprintf(o.ErrOut, "Warning: cannot read %s live (%s); showing what the hub last recorded\n", o.Name, common.Escape(err.Error()))
		doc.Live, caps = false, recorded(ic)
	}
	doc.Capabilities = caps
	if printed, err := o.Output.PrintDocument(doc, o.Out); printed || err != nil {
		return err
	}
	rows := make([][]string, 0, len(caps))
	for _, c := range caps {
		detected := "-"
		if c.DetectedSource != "" {
			detected = c.Detected + " (" + c.DetectedSource + ")"
		}
		rows = append(rows, []string{c.Name, c.Value, c.Source, detected})
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "VALUE", "SOURCE", "DETECTED"}, rows)
}

// live detects from the downstream's nodes and version, read as the caller (through the hub's
// gateway, or the local kubeconfig).
func (o *ShowOptions) live(ctx context.Context, ic *v1alpha1.ImportedCluster) ([]k3s.Capability, error) {
	cfg, err := o.Downstream(ctx, ic)
	if err != nil {
		return nil, err
	}
	cs, err := o.Factory.Clientset(cfg)
	if err != nil {
		return nil, err
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, err
	}
	nodes, err := k3sops.ListNodes(ctx, cs)
	if err != nil {
		return nil, err
	}
	caps, _ := k3s.Effective(nodes, v.GitVersion, ic.Annotations) // malformed overrides: detected value stays
	return caps, nil
}

// recorded is status.capabilities, as the reconciler last wrote it.
func recorded(ic *v1alpha1.ImportedCluster) []k3s.Capability {
	out := make([]k3s.Capability, 0, len(ic.Status.Capabilities))
	for _, c := range ic.Status.Capabilities {
		out = append(out, k3s.Capability{Name: c.Name, Value: c.Value, Source: c.Source})
	}
	return out
}
