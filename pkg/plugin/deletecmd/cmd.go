// Package deletecmd is `kubectl import delete NAME`: disconnect a cluster from the hub.
package deletecmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/util/templates"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// NewCmd is `kubectl import delete NAME`.
func NewCmd(f common.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Disconnect a cluster: remove what the import put in it and the hub's record",
		Long: templates.LongDesc(`
			Delete the ImportedCluster NAME. The hub removes what the import put in the downstream
			(agent, member bindings, project labels; cattle-system if the import created it) and then the
			record, its credentials and its identity claim. The cluster itself keeps running, reachable
			as before. The wait is bounded by --timeout; when the downstream is gone for good, --force
			then removes the record anyway and lists what may be left behind in the downstream.`),
		Example: templates.Examples(`
			# Disconnect prod-eu and wait until the hub has cleaned it
			kubectl import delete prod-eu

			# Remove the record of a cluster that is gone for good
			kubectl import delete edge-7 --timeout 30s --force`),
		Args:              common.ExactlyOneName,
		ValidArgsFunction: common.CompleteClusterNames(f, &o.Hub),
		RunE:              common.RunE(o),
	}
	cmd.Flags().BoolVar(&o.Wait, "wait", o.Wait, "wait until the downstream is cleaned and the record is gone")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "how long to wait for the cleanup")
	cmd.Flags().BoolVar(&o.Force, "force", false, "after the wait, remove the record even if the downstream could not be cleaned (downstream gone)")
	o.AddFlags(cmd)
	return cmd
}
