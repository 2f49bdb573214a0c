// Package credentials is `kubectl import credentials [NAME]`: the exec credential plugin
// (client.authentication.k8s.io/v1) of the access provider every ClusterProfile names. It
// returns the caller's own hub credential, for the hub gateway's proxy of NAME only.
package credentials

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import credentials NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "credentials [NAME]",
		Short: "Exec credential plugin of the ClusterProfile access provider: your own hub credential, for the hub's gateway to a cluster",
		Long: templates.LongDesc(`
			Print, as a client.authentication.k8s.io ExecCredential (in the request's version, v1 or
			v1beta1), the caller's own hub credential: the token or client certificate of the hub
			configuration found as client-go finds it (--hub-kubeconfig/--hub-context,
			$KUBECTL_IMPORT_HUB_CONTEXT or the hub 'kubectl import init' recorded; else $KUBECONFIG,
			~/.kube/config, or in a pod its ServiceAccount token). No secret is minted, none is read
			from the hub, and nothing is stored: the cluster is reached through the hub's gateway,
			as the caller, who must be a member of it.

			This is the exec access provider "kubectl-import" of every cluster's ClusterProfile
			(multicluster.x-k8s.io), in either mode. NAME may be left out: it is read from the
			clusterName of the cluster's exec extension (provideClusterInfo).

			It runs only as an exec plugin, and prints the credential only when the request
			($KUBERNETES_EXEC_INFO, parsed strictly) sends it to exactly the hub gateway's proxy
			for NAME on the hub the credential is for, trusting exactly that hub's CA, with TLS
			verified; otherwise it exits 1, prints nothing on stdout and names the refused field:
			a forged ClusterProfile or kubeconfig cannot send the credential anywhere else.`),
		Example: templates.Examples(`
			# The provider file of a multicluster-runtime (cluster-inventory-api) consumer
			{"providers": [{"name": "kubectl-import", "execConfig": {
			    "apiVersion": "client.authentication.k8s.io/v1", "command": "kubectl-import",
			    "args": ["credentials"], "provideClusterInfo": true, "interactiveMode": "Never"}}]}

			# To use a cluster yourself, write a kubeconfig context instead
			kubectl import kubeconfig lab --merge`),
		Args: cobra.MaximumNArgs(1),
		RunE: common.RunE(o),
	}
	o.AddFlags(cmd)
	return cmd
}
