package nodeconfig

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import node-config NAME`.
type Options struct {
	Hub    common.HubOptions
	Local  *genericclioptions.ConfigFlags
	Output *common.OutputFlags
	Name   string

	genericiooptions.IOStreams
}

// NewOptions accepts -o json|yaml besides the table.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{Local: common.NewLocalFlags(), Output: common.NewOutputFlags(common.OutputJSON, common.OutputYAML), IOStreams: streams}
}

// Complete takes NAME.
func (o *Options) Complete(args []string) { o.Name = args[0] }

// Validate checks -o.
func (o *Options) Validate() error { return o.Output.Validate() }

// Document is what -o json|yaml prints.
type Document struct {
	Cluster string           `json:"cluster"`
	Nodes   []k3s.NodeConfig `json:"nodes"`
}

// Run reads the nodes through the hub's credentials and prints their configuration.
func (o *Options) Run(ctx context.Context) error {
	hub, err := o.Hub.Client()
	if err != nil {
		return err
	}
	_, cfg, err := common.DownstreamConfig(ctx, hub, o.Name, o.Local)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	nodes, err := k3sops.ListNodes(ctx, cs)
	if err != nil {
		return fmt.Errorf("reading the nodes of %q: %w", o.Name, err)
	}
	doc := Document{Cluster: o.Name, Nodes: k3s.ReadNodeConfigs(nodes)}
	if printed, err := o.Output.PrintDocument(doc, o.Out); printed || err != nil {
		return err
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "ROLE", "VERSION", "ARGS", "ENV"}, rows(doc.Nodes))
}

func rows(nodes []k3s.NodeConfig) [][]string {
	out := make([][]string, 0, len(nodes))
	for _, n := range nodes {
		role := n.Role
		if n.Etcd {
			role += ",etcd"
		}
		args := strings.Join(n.Args, " ")
		if n.Problem != "" {
			args = strings.TrimSpace(args + " (" + n.Problem + ")")
		}
		out = append(out, []string{n.Name, role, common.ValueOrNone(n.Version), common.ValueOrNone(args),
			common.ValueOrNone(strings.Join(k3s.EnvList(n.Env), ","))})
	}
	return out
}
