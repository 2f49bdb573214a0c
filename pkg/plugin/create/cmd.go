// Package create is `kubectl import create NAME`: the hub half of a two-step import. It
// registers the cluster and prints the `kubectl import join` command to run on the downstream.
package create

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import create NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Register a cluster in the hub and print the join command to run on it",
		Long: templates.LongDesc(`
			Register a cluster in the hub (Pending) and print the command that completes the import
			from the downstream side, for when the hub and the downstream are run by different people:

			    kubectl import join --hub URL --ca-checksum sha256:HASH --token-file FILE

			The token is short-lived (--ttl, 1h by default) and may only complete this registration: it
			can read and set the identity of this one ImportedCluster and fill its empty credentials
			Secret once, nothing else; it never reads the credentials back. Join revokes it as soon as the
			credentials are handed over (the hub does too). It travels in a file or on stdin, never on a
			command line. The checksum pins the hub's CA, so join trusts nothing the hub says until it
			matches; there is no insecure mode.

			Re-running create for a registration that is still waiting converges it; --rotate-token
			revokes the earlier token and prints a fresh command.`),
		Example: templates.Examples(`
			# Register prod-eu, giving alice and the group devs a role in it
			kubectl import create prod-eu --member User:alice=cluster-owner --member Group:devs=cluster-member

			# A token valid for 30 minutes; the downstream reaches the hub at another address
			kubectl import create edge-1 --ttl 30m --hub-url https://hub.example.com:6443

			# Write the token into a file instead of printing it
			kubectl import create edge-1 --token-file edge-1.join-token

			# Print only the join command
			kubectl import create edge-1 --token-file edge-1.join-token -o jsonpath='{.command}'

			# Revoke the earlier token of a waiting registration and print a fresh command
			kubectl import create prod-eu --rotate-token

			# Print what would be created, changing nothing
			kubectl import create prod-eu --dry-run=client -o yaml`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&o.MemberFlags, "member", nil, "give a user or group a role in the downstream: KIND:NAME=ROLE with KIND User or Group and ROLE cluster-owner or cluster-member (repeatable)")
	fs.StringVar(&o.DisplayName, "display-name", "", "human-friendly name of the cluster")
	fs.DurationVar(&o.TTL, "ttl", o.TTL, "how long the join token works, e.g. 30m or 4h (from 1m to 24h)")
	fs.BoolVar(&o.RotateToken, "rotate-token", false, "revoke the earlier join token of this waiting registration and print a fresh command")
	fs.StringVar(&o.TokenFile, "token-file", "", "write the join token into this file (mode 0600) instead of printing it")
	fs.StringVar(&o.HubURL, "hub-url", "", "https URL at which the downstream reaches the hub (default: the hub kubeconfig's server)")
	o.DryRun.AddFlags(cmd)
	o.AddFlags(cmd)
	return cmd
}
