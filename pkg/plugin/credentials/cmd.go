// Package credentials is `kubectl import credentials NAME`: an exec credential plugin
// (client.authentication.k8s.io/v1) that prints a fresh short-lived token of a direct-mode
// cluster's import agent, the access provider its ClusterProfile names.
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
		Short: "Print an ExecCredential with a short-lived token of a direct-mode cluster (the ClusterProfile access provider)",
		Long: templates.LongDesc(`
			Print, as a client.authentication.k8s.io/v1 ExecCredential, a new token of the import agent
			(cattle-system/kimport-agent) of a direct-mode cluster, requested from the downstream through
			the credentials the hub stores (TokenRequest) and living --expiration. The stored token itself
			is never printed. The token has the import agent's rights, fenced (see docs/agent-rights.md).

			This is the exec access provider "kubectl-import" that the cluster's ClusterProfile
			(multicluster.x-k8s.io) publishes: point a kubeconfig user's exec at it, or map the provider
			to it in a ClusterProfile consumer with provideClusterInfo, and NAME may be left out: it is
			read from the clusterName of the cluster's exec extension ($KUBERNETES_EXEC_INFO).

			Run as an exec plugin, it issues the token only when the request names exactly the
			server and CA the hub records for the cluster (what its ClusterProfile publishes), with
			TLS verified and provideClusterInfo set; otherwise it exits 1, prints nothing on stdout
			and names the refused field: a forged ClusterProfile or kubeconfig cannot send the token
			elsewhere.

			An agent-mode cluster has no such provider: the hub holds no credential of it and no route
			to it, so no token can be issued through the hub.`),
		Example: templates.Examples(`
			# Print a 10-minute token of lab
			kubectl import credentials lab

			# Use it as a kubeconfig user's credential plugin, with a kubeconfig cluster holding the
			# server and CA of lab's ClusterProfile (its access provider)
			kubectl config set-credentials lab --exec-api-version=client.authentication.k8s.io/v1 \
			    --exec-command=kubectl --exec-arg=import --exec-arg=credentials --exec-arg=lab \
			    --exec-provide-cluster-info --exec-interactive-mode=Never`),
		Args: cobra.MaximumNArgs(1),
		RunE: common.RunE(o),
	}
	cmd.Flags().DurationVar(&o.Expiration, "expiration", o.Expiration, "lifetime of the token (at least 10m, at most 24h)")
	o.AddFlags(cmd)
	return cmd
}
