// Package cluster is `kubectl import cluster NAME`: the one-shot import of the cluster
// the kubeconfig points at into the hub.
package cluster

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import cluster NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "cluster NAME",
		Short: "Import the cluster the kubeconfig points at into the hub and wait until it is Active",
		Long: templates.LongDesc(`
			Import an existing cluster (the downstream, chosen by --kubeconfig/--context) into the hub:
			run the preflight checks, claim the cluster's identity in the hub, create the least-privilege
			agent in the downstream (namespace cattle-system), register the ImportedCluster, and wait
			until the hub reports it Active. Every step is idempotent: re-run the same command to repair
			an interrupted import; for an Active cluster it changes nothing.

			With --mode agent (the default) kimport-agent runs in the downstream and dials out to the hub
			with its own short-lived hub identity: the hub needs no route to the downstream (NAT,
			private endpoints, firewalls) and keeps no credential of it. With --mode direct the hub
			reaches the downstream's API server with a short-lived token it renews.`),
		Example: templates.Examples(`
			# Import the cluster of the context prod-eu, giving alice and the group devs a role in it
			kubectl import cluster prod-eu --context prod-eu --hub-context hub \
			    --member User:alice=cluster-owner --member Group:devs=cluster-member

			# Import a K3s cluster from its kubeconfig; the hub reaches it at another address
			kubectl import cluster edge-1 --kubeconfig ~/.kube/k3s.yaml --advertise-address https://10.0.0.5:6443

			# Import a cluster behind NAT whose agent reaches the hub through a proxy
			kubectl import cluster edge-2 --context edge-2 --agent-env HTTPS_PROXY=http://proxy:3128 --agent-env NO_PROXY=10.0.0.0/8

			# The hub reaches this cluster itself; no agent runs in it
			kubectl import cluster lab --context lab --mode direct

			# Print what the import would create, changing nothing
			kubectl import cluster prod-eu --context prod-eu --dry-run=client -o yaml`),
		Args: common.ExactlyOneName,
		RunE: common.RunE(o),
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&o.MemberFlags, "member", nil, "give a user or group a role in the downstream: "+memberHelp)
	fs.StringVar(&o.DisplayName, "display-name", "", "human-friendly name of the cluster")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", "", "https URL the hub uses to reach the downstream API server (default: the kubeconfig's server)")
	fs.BoolVar(&o.Wait, "wait", o.Wait, "wait until the cluster is Active")
	fs.BoolVar(&o.InstallInventoryCRDs, "install-inventory-crds", false, "also install the ClusterProperty CRD (about.k8s.io, the About API) into the downstream unless it has one, so that the cluster's ID and cluster set are published there")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "how long to wait until the cluster is Active")
	o.Agent.AddFlags(fs)
	o.DryRun.AddFlags(cmd)
	o.Output.AddFlags(cmd)
	o.Targets.AddFlags(fs)
	return cmd
}

const memberHelp = "KIND:NAME=ROLE with KIND User or Group and ROLE cluster-owner or cluster-member (repeatable)"
