package common

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/record"
)

// HubVerbOptions are what every verb that acts on the hub holds: where its clients come from,
// the hub flags, -o and the streams.
type HubVerbOptions struct {
	Factory Factory
	Hub     HubOptions
	// Output is -o and its companions; nil for a verb that prints only what it did.
	Output *OutputFlags
	genericiooptions.IOStreams
}

// NewHubVerbOptions has f's clients and the streams; -o accepts formats (of json, yaml, name,
// wide: NewOutputFlags), and there is no -o without any.
func NewHubVerbOptions(f Factory, streams genericiooptions.IOStreams, formats ...string) HubVerbOptions {
	o := HubVerbOptions{Factory: f, IOStreams: streams}
	if len(formats) > 0 {
		o.Output = NewOutputFlags(formats...)
	}
	return o
}

// AddFlags adds the hub flags and -o.
func (o *HubVerbOptions) AddFlags(cmd *cobra.Command) {
	o.Hub.AddFlags(cmd.Flags())
	if o.Output != nil {
		o.Output.AddFlags(cmd)
	}
}

// Validate checks -o; a verb with flags of its own checks them, -o included, in its own.
func (o *HubVerbOptions) Validate() error {
	if o.Output == nil {
		return nil
	}
	return o.Output.Validate()
}

// HubClient is a client of the hub the flags chose; nothing is contacted yet.
func (o *HubVerbOptions) HubClient() (client.Client, error) {
	cfg, err := o.Factory.HubConfig(&o.Hub)
	if err != nil {
		return nil, err
	}
	return o.Factory.Client(cfg)
}

// RecordOptions are the options of a verb that acts on one ImportedCluster of the hub: the
// hub and NAME.
type RecordOptions struct {
	HubVerbOptions
	Name string
}

// NewRecordOptions is NewHubVerbOptions for a verb on one record.
func NewRecordOptions(f Factory, streams genericiooptions.IOStreams, formats ...string) RecordOptions {
	return RecordOptions{HubVerbOptions: NewHubVerbOptions(f, streams, formats...)}
}

// Complete takes NAME.
func (o *RecordOptions) Complete(args []string) error {
	o.Name = args[0]
	return nil
}

// Record connects to the hub and reads NAME's ImportedCluster.
func (o *RecordOptions) Record(ctx context.Context) (client.Client, *v1alpha1.ImportedCluster, error) {
	hub, err := o.HubClient()
	if err != nil {
		return nil, nil, err
	}
	ic, err := record.Get(ctx, hub, o.Name)
	return hub, ic, err
}

// DownstreamOptions are the options of a verb that reads a record's downstream too: as the
// caller, through the hub's gateway, or with Local, the user's own kubeconfig of the
// downstream, when --kubeconfig or --context is given.
type DownstreamOptions struct {
	RecordOptions
	// Local are --kubeconfig and --context alone.
	Local *genericclioptions.ConfigFlags
}

// NewDownstreamOptions is NewRecordOptions with empty local flags.
func NewDownstreamOptions(f Factory, streams genericiooptions.IOStreams, formats ...string) DownstreamOptions {
	return DownstreamOptions{RecordOptions: NewRecordOptions(f, streams, formats...),
		Local: &genericclioptions.ConfigFlags{KubeConfig: ptr.To(""), Context: ptr.To("")}}
}

// AddFlags adds the hub flags, -o and the local flags, saying what the local ones are for.
func (o *DownstreamOptions) AddFlags(cmd *cobra.Command) {
	o.RecordOptions.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(o.Local.KubeConfig, "kubeconfig", "", "read the downstream with this kubeconfig of it instead of through the hub's gateway")
	fs.StringVar(o.Local.Context, "context", "", "read the downstream with this kubeconfig context of it instead of through the hub's gateway")
}

// LocalGiven says whether --kubeconfig or --context was given.
func (o *DownstreamOptions) LocalGiven() bool {
	return *o.Local.KubeConfig != "" || *o.Local.Context != ""
}

// Downstream is a client configuration that reaches ic's downstream as the caller
// (record.Downstream): through the gateway of the hub o chose, or the local kubeconfig.
func (o *DownstreamOptions) Downstream(ctx context.Context, ic *v1alpha1.ImportedCluster) (*rest.Config, error) {
	var local record.Local
	if o.LocalGiven() {
		local = func() (*rest.Config, error) { return o.Factory.KubeConfig(o.Local) }
	}
	hub, err := o.Factory.HubConfig(&o.Hub)
	if err != nil {
		return nil, err
	}
	return record.Downstream(ctx, hub, ic, local)
}

// Reach reads NAME's ImportedCluster and reaches its downstream.
func (o *DownstreamOptions) Reach(ctx context.Context) (*v1alpha1.ImportedCluster, *rest.Config, error) {
	_, ic, err := o.Record(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := o.Downstream(ctx, ic)
	return ic, cfg, err
}
