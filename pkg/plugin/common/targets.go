package common

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/importer/preflight"
)

// Targets choose the two clusters of an import: the downstream, by the standard kubectl flags
// (--kubeconfig, --context, ...), and the hub (--hub-kubeconfig/--hub-context, else
// $KUBECTL_IMPORT_HUB_CONTEXT, else the hub `init` recorded).
type Targets struct {
	ConfigFlags *genericclioptions.ConfigFlags
	Hub         HubOptions
}

// NewTargets has the kubectl flags with their usual defaults.
func NewTargets() Targets {
	return Targets{ConfigFlags: genericclioptions.NewConfigFlags(true)}
}

// AddFlags adds the kubectl flags (downstream) and the hub flags.
func (t *Targets) AddFlags(fs *pflag.FlagSet) {
	t.ConfigFlags.AddFlags(fs)
	t.Hub.AddFlags(fs)
}

// Clusters are the two clusters of an import, with clients.
type Clusters struct {
	Downstream, Hub *importer.Cluster
	// Unreadable is set, and the clusters are not, when the downstream kubeconfig exists but
	// cannot be read: the preflight report says so with its remedy.
	Unreadable *preflight.Report
}

// Connect loads both kubeconfigs and makes the clients with f, contacting neither cluster yet;
// verbs call it at the start of Run, so bad flags are refused before any kubeconfig is read.
func (t *Targets) Connect(f Factory) (*Clusters, error) {
	if path, err := unreadableKubeconfig(t.ConfigFlags); err != nil {
		return &Clusters{Unreadable: preflight.UnreadableKubeconfig(path, err)}, nil
	}
	dsCfg, err := f.KubeConfig(t.ConfigFlags)
	if err != nil {
		return nil, err
	}
	if dsCfg, err = importer.DownstreamConfig(dsCfg); err != nil {
		return nil, err
	}
	c := &Clusters{}
	if c.Downstream, err = Connect(f, dsCfg); err != nil {
		return nil, err
	}
	c.Hub, err = ConnectHub(f, &t.Hub)
	return c, err
}

// Preflight runs the checks for an import named name ("" when none is intended yet).
func (c *Clusters) Preflight(ctx context.Context, name string) *preflight.Report {
	if c.Unreadable != nil {
		return c.Unreadable
	}
	return preflight.Import(ctx, c.Downstream, c.Hub, preflight.Options{Name: name})
}

// unreadableKubeconfig finds a named downstream kubeconfig that exists but cannot be opened
// (typically a K3s server's /etc/rancher/k3s/k3s.yaml, mode 600).
func unreadableKubeconfig(flags *genericclioptions.ConfigFlags) (string, error) {
	paths := filepath.SplitList(os.Getenv("KUBECONFIG"))
	if flags.KubeConfig != nil && *flags.KubeConfig != "" {
		paths = []string{*flags.KubeConfig}
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if err == nil {
			f.Close()
			continue
		}
		if errors.Is(err, fs.ErrPermission) {
			return path, err
		}
	}
	return "", nil
}
