package nodeconfig

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import node-config NAME`.
type Options struct {
	common.DownstreamOptions
}

// NewOptions accepts -o json|yaml besides the table.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{DownstreamOptions: common.NewDownstreamOptions(f, streams, common.OutputJSON, common.OutputYAML)}
}

// Document is what -o json|yaml prints.
type Document struct {
	Cluster string           `json:"cluster"`
	Nodes   []k3s.NodeConfig `json:"nodes"`
}

// Run reads the nodes through the hub's credentials and prints their configuration.
func (o *Options) Run(ctx context.Context) error {
	_, cfg, err := o.Reach(ctx)
	if err != nil {
		return err
	}
	cs, err := o.Factory.Clientset(cfg)
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
