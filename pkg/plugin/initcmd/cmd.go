// Package initcmd is `kubectl import init`: install the hub (CRD, namespace, RBAC, webhook)
// into the cluster the kubeconfig points at, and record it as the hub.
package initcmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import init`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Install the hub into the cluster the kubeconfig points at and record it as the hub",
		Long: templates.LongDesc(`
			Install what the hub needs (the ImportedCluster CRD, namespace kimport-system, RBAC and
			the webhook/reconciler Deployment) into the cluster chosen by --kubeconfig/--context, with
			server-side apply, and record that cluster as the hub for the other verbs. Re-running
			converges. With --webhook-url the hub component runs outside the cluster (development,
			tests) and the in-cluster Deployments and Services are not installed; --gateway-url then
			says where its gateway listens (the hub's aggregated API gateway.kimport.dev, through
			which members reach imported clusters), else no gateway is installed.`),
		Example: templates.Examples(`
			# Install the hub into the cluster of the context hub
			kubectl import init --context hub

			# Use a webhook image from your own registry
			kubectl import init --context hub --image registry.example.com/kimport/webhook:v0.1.0

			# Use a hub component that runs outside the cluster (development): its webhook and gateway
			kubectl import init --context kind-hub --webhook-url https://172.18.0.1:9443 --gateway-url https://172.18.0.1:9444

			# Print the manifests, changing nothing
			kubectl import init --dry-run=client -o yaml`),
		Args: cobra.NoArgs,
		RunE: common.RunE(o),
	}
	cmd.Flags().StringVar(&o.WebhookURL, "webhook-url", "", "https URL of a webhook running outside the cluster; skips the in-cluster Deployments and Services")
	cmd.Flags().StringVar(&o.GatewayURL, "gateway-url", "", "with --webhook-url: https URL (scheme, host, port) of the hub component's gateway running outside the cluster, reached through an ExternalName Service; without it such a hub has no gateway")
	cmd.Flags().StringVar(&o.Image, "image", o.Image, "webhook/reconciler image")
	cmd.Flags().BoolVar(&o.InstallInventoryCRDs, "install-inventory-crds", false, "also install the ClusterProfile CRD (multicluster.x-k8s.io, the Cluster Inventory API) unless the hub has one, so that every imported cluster is published as a ClusterProfile")
	cmd.Flags().StringVar(&o.ProfileNamespace, "cluster-profile-namespace", o.ProfileNamespace, "namespace of the ClusterProfiles (Cluster Inventory API) the hub publishes: the hub component's right to write them is a Role there (created with the namespace when absent); give the same flag to a hub component run outside the cluster")
	o.DryRun.AddFlags(cmd)
	o.Output.AddFlags(cmd)
	o.ConfigFlags.AddFlags(cmd.Flags())
	return cmd
}
