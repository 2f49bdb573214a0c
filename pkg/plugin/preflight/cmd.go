// Package preflight is `kubectl import preflight`: the checks of an import, changing nothing.
package preflight

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import preflight [NAME]`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "preflight [NAME]",
		Short: "Check that a cluster can be imported into the hub, changing nothing",
		Long: templates.LongDesc(`
			Check the downstream cluster (chosen by --kubeconfig/--context) and the hub:
			the downstream answers and lists its nodes, you are cluster-admin there, the hub is
			installed, and the cluster is not already imported here or by another hub.
			Exits non-zero when a check fails, printing how to fix it.`),
		Example: templates.Examples(`
			# Check that the cluster of the context prod-eu can be imported into the hub
			kubectl import preflight --context prod-eu --hub-context hub

			# Check a K3s cluster from its kubeconfig, under the name it would get
			kubectl import preflight prod-eu --kubeconfig /etc/rancher/k3s/k3s.yaml`),
		Args: cobra.MaximumNArgs(1),
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd.Flags())
	return cmd
}
