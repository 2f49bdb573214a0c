// Package nodeconfig is `kubectl import node-config NAME`: the K3s (or RKE2) launch
// arguments and environment of every node, read live, secrets redacted.
package nodeconfig

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import node-config NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "node-config NAME",
		Short: "Show every node's K3s role, version, launch arguments and environment (secrets redacted)",
		Long: templates.LongDesc(`
			Read, live from the downstream through the hub's gateway as you (a member of NAME; or with
			--kubeconfig/--context of the downstream itself), what K3s records
			on each node: the launch arguments (k3s.io/node-args) and K3S_ environment variables
			(k3s.io/node-env), or the rke2.io/ equivalents. Secrets are masked by rule, not by a list
			of known flags: nothing K3s redacts is shown, nor the value of any flag or variable whose
			name looks secret (a word like token, secret, pass, key, auth, credential, or the datastore
			endpoint), nor any name=value element of a comma list whose name looks secret (--vpn-auth
			name=tailscale,joinKey=…), nor user:password in URLs or secrets in query strings. File paths
			of keys and tokens are shown; node labels and taints are public and shown.`),
		Example: templates.Examples(`
			# Show the configuration of every node of k3s-prod
			kubectl import node-config k3s-prod

			# Print it as YAML
			kubectl import node-config k3s-prod -o yaml

			# Print each node's name and K3s version
			kubectl import node-config k3s-prod -o jsonpath='{range .nodes[*]}{.name} {.version}{"\n"}{end}'`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
