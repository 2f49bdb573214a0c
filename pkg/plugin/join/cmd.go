// Package join is `kubectl import join`: the downstream half of a two-step import. Run where
// kubectl points at the downstream, it pins the hub's CA, deploys the import agent, hands its
// credentials to the hub with the registration's short-lived token and waits until Active.
package join

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import join`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "join --hub URL --token TOKEN --ca-checksum sha256:HASH",
		Short: "Complete a registration made by 'kubectl import create' from the downstream cluster",
		Long: templates.LongDesc(`
			Join the cluster kubectl points at (--kubeconfig/--context) to the hub, completing the
			registration that 'kubectl import create NAME' made there and whose command it printed.

			Before anything is sent to the hub, join fetches the hub's CA (from the TLS handshake,
			kube-public/cluster-info or /cacerts) and checks the sha256 of its public key against
			--ca-checksum; on a mismatch it stops and shows both. There is no insecure mode.
			Then it runs the downstream preflight checks, records the cluster's identity in the hub (the
			hub refuses a cluster that is already imported), creates the least-privilege agent in
			cattle-system, hands the agent's credentials to the hub and waits until the hub reports the
			cluster Active. Every step is idempotent: re-run the same command to finish an interrupted
			join.

			GitOps or air-gapped: --dry-run=client -o yaml prints the downstream manifest instead. Apply
			it by your own means, then finish with the same join command plus --agent-applied, which
			writes nothing downstream: it reads namespace kube-system and the marker and requests a
			short-lived token for cattle-system/kimport-agent.`),
		Example: templates.Examples(`
			# Join the cluster of the context prod-eu, with the command 'kubectl import create' printed
			kubectl import join --hub https://hub.example.com:6443 --token-file prod-eu.join-token \
			    --ca-checksum sha256:0f3c...e1 --context prod-eu

			# GitOps: write the downstream manifest into a file, changing nothing
			kubectl import join --hub https://10.0.0.1:6443 --token-file token.txt --ca-checksum sha256:0f3c...e1 \
			    --dry-run=client -o yaml > kimport-agent.yaml

			# Finish the registration once that manifest is applied
			kubectl import join --hub https://10.0.0.1:6443 --token-file token.txt --ca-checksum sha256:0f3c...e1 --agent-applied`),
		Args: cobra.NoArgs,
		RunE: common.RunE(o),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.HubURL, "hub", "", "https URL of the hub's API server, as printed by 'kubectl import create'")
	fs.StringVar(&o.Token, "token", "", "the join token printed by 'kubectl import create' (or use --token-file or $"+TokenEnv+")")
	fs.StringVar(&o.TokenFile, "token-file", "", "read the join token from this file ('-' for stdin), keeping it out of shell history")
	fs.StringVar(&o.CAChecksum, "ca-checksum", "", "sha256:HASH of the hub CA's public key, as printed by 'kubectl import create'")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", "", "https URL the hub uses to reach this cluster's API server (default: the kubeconfig's server)")
	fs.BoolVar(&o.AgentApplied, "agent-applied", false, "the agent manifest (from --dry-run -o yaml) was applied by other means: only read the downstream and finish the registration")
	o.Agent.AddFlags(fs)
	fs.BoolVar(&o.Wait, "wait", o.Wait, "wait until the cluster is Active")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "how long to wait until the cluster is Active")
	o.DryRun.AddFlags(cmd)
	o.Output.AddFlags(cmd)
	o.ConfigFlags.AddFlags(fs)
	return cmd
}
