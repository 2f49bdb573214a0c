// Package kubeconfig is `kubectl import kubeconfig NAME [--merge]`: a kubeconfig context that
// reaches an imported cluster through the hub's gateway, with the caller's own hub credentials.
package kubeconfig

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import kubeconfig NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "kubeconfig NAME [--merge]",
		Short: "Print (or merge into your kubeconfig) a context that reaches an imported cluster through the hub, as you",
		Long: templates.LongDesc(`
			Write a kubeconfig context whose server is the hub's gateway for the imported cluster
			NAME (https://HUB/apis/gateway.kimport.dev/v1alpha1/clusters/NAME/proxy, trusted with the
			hub's CA) and whose user is your own hub user: the entry of the hub's context, copied as
			it is (token, client certificate, exec plugin or auth provider). No secret is minted and
			nothing is stored on the hub. It works in either mode, also for a cluster behind NAT:
			the hub authenticates you, the gateway lets members of NAME through, and NAME's API
			server sees you (impersonated), with the rights your membership gives you there.

			Before anything is written the gateway is asked NAME's version as you: a cluster that
			does not exist, or of which you are not a member, is refused (exit 1, nothing written),
			with the way to become a member; a cluster that does not answer right now only warns.

			Without --merge the kubeconfig is printed (YAML, or -o json|yaml|jsonpath=...): it holds
			your hub credentials as your own kubeconfig does, so keep it as private. With --merge
			its cluster, context and user are added to your kubeconfig by kubectl's rules
			(--kubeconfig, else the first file of $KUBECONFIG that exists, else ~/.kube/config); the
			user is the hub's own entry when that very entry is in it, else a copy. A re-run changes
			nothing, or updates what this verb wrote; an entry of the same name that it did not
			write for NAME on this hub is never overwritten. The current context is left as it is.`),
		Example: templates.Examples(`
			# Add a context for edge-1 to your kubeconfig and use it
			kubectl import kubeconfig edge-1 --merge
			kubectl --context edge-1@hub get namespaces

			# Print a kubeconfig for edge-1 into a file of its own
			kubectl import kubeconfig edge-1 > edge-1.kubeconfig

			# Name the context yourself
			kubectl import kubeconfig edge-1 --merge --context-name edge`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
