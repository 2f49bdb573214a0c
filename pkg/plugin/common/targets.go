package common

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// Targets are the two clusters of an import: the downstream, chosen by the standard kubectl
// flags (--kubeconfig, --context, ...), and the hub (--hub-kubeconfig/--hub-context, else
// $KUBECTL_IMPORT_HUB_CONTEXT, else the hub `init` recorded). `cluster` and a later `join`
// embed it.
type Targets struct {
	ConfigFlags *genericclioptions.ConfigFlags
	Hub         HubOptions

	Downstream *importer.Cluster
	HubCluster *importer.Cluster
	// unreadable is set when the downstream kubeconfig exists but cannot be read.
	unreadable *importer.Report
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

// Connect loads both kubeconfigs and builds the clients (without contacting the clusters
// yet); verbs call it at the start of Run, so bad flags are refused before any kubeconfig is
// read. An unreadable downstream kubeconfig is not an error here: Preflight reports it with
// its remedy. Clients already set (tests) are kept.
func (t *Targets) Connect() error {
	if t.unreadable != nil || (t.Downstream != nil && t.HubCluster != nil) {
		return nil
	}
	if path, err := unreadableKubeconfig(t.ConfigFlags); err != nil {
		t.unreadable = importer.UnreadableKubeconfigReport(path, err)
		return nil
	}
	dsCfg, err := t.ConfigFlags.ToRESTConfig()
	if err != nil {
		return err
	}
	dsCfg.UserAgent = v1alpha1.UserAgent
	if t.Downstream, err = importer.ConnectDownstream(dsCfg); err != nil {
		return err
	}
	hubCfg, err := t.Hub.RESTConfig()
	if err != nil {
		return err
	}
	t.HubCluster, err = importer.Connect(hubCfg)
	return err
}

// Preflight runs the checks for an import named name ("" when none is intended yet).
func (t *Targets) Preflight(ctx context.Context, name string) *importer.Report {
	if t.unreadable != nil {
		return t.unreadable
	}
	return importer.Preflight(ctx, t.Downstream, t.HubCluster, importer.PreflightOptions{Name: name})
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
