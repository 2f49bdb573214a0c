// Package nodeconfig is `kubectl import node-config NAME`: the K3s (or RKE2) launch
// arguments and environment of every node, read live, secrets redacted.
package nodeconfig

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import node-config NAME`.
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	cmd := &cobra.Command{
		Use:   "node-config NAME",
		Short: "Show every node's K3s role, version, launch arguments and environment (secrets redacted)",
		Long: `Read, live from the downstream through the credentials the hub stores, what K3s records
on each node: the launch arguments (k3s.io/node-args) and K3S_* environment (k3s.io/node-env),
or the rke2.io/ equivalents. Nothing K3s redacts is shown, nor the value of any flag or
variable whose name looks secret (token, secret, password, key, credential, datastore
endpoint), nor passwords inside URLs.`,
		Example: `  kubectl import node-config k3s-prod
  kubectl import node-config k3s-prod -o yaml`,
		Args: common.ExactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			o.Complete(args)
			return o.Run(cmd.Context())
		},
	}
	o.Output.AddFlags(cmd)
	o.Hub.AddFlags(cmd.Flags())
	return cmd
}
