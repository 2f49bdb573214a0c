package deletecmd

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Run deletes the record; the hub reconciler cleans the downstream under its finalizer and
// then lets the record go. Run waits for that, bounded by the timeout; with --force it then
// lets the record go itself and says what may be left in the downstream.
func (o *Options) Run(ctx context.Context) error {
	hub, err := o.HubClient()
	if err != nil {
		return err
	}
	ref := v1alpha1.Ref(o.Name)
	var ic v1alpha1.ImportedCluster
	if err := hub.Get(ctx, client.ObjectKey{Name: o.Name}, &ic); err != nil {
		return err
	}
	if err := hub.Delete(ctx, &ic, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting %s: %w", ref, err)
	}
	if !o.Wait {
		fmt.Fprintf(o.Out, "%s deleted (the hub is cleaning the downstream; not waiting)\n", ref)
		return nil
	}
	last, err := importer.WaitGone(ctx, hub, o.Name, o.Timeout)
	forced := false
	if err != nil {
		if !o.Force {
			return fmt.Errorf("%w; the hub could not finish cleaning the downstream: fix what the condition says, or, if the downstream is gone for good, run 'kubectl import delete %s --force'", err, o.Name)
		}
		fmt.Fprintf(o.ErrOut, "warning: %v; --force: removing the record without the downstream cleanup\n", err)
		if err := importer.RemoveFinalizer(ctx, hub, o.Name); err != nil {
			return err
		}
		if _, err := importer.WaitGone(ctx, hub, o.Name, o.Timeout); err != nil {
			return err
		}
		forced = true
	}
	if err := importer.RemoveHubRecords(ctx, hub, o.Name, ic.Spec.ClusterID, o.Out); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%s deleted\n", ref)
	if forced || cleanupAbandoned(last) {
		o.printLeftBehind(&ic, last)
	}
	return nil
}

// cleanupAbandoned is true when the reconciler gave up on the downstream before letting the
// record go (it was unreachable past the reconciler's cleanup timeout).
func cleanupAbandoned(ic *v1alpha1.ImportedCluster) bool {
	if ic == nil {
		return false
	}
	c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionDownstreamRemoved)
	return c != nil && c.Status != metav1.ConditionTrue
}

// printLeftBehind names what the import created in the downstream: ic is the record as it
// was before the delete, last as it was last seen (with the reconciler's final status).
func (o *Options) printLeftBehind(ic, last *v1alpha1.ImportedCluster) {
	fmt.Fprintf(o.Out, "The downstream was not cleaned up. What the import created there may be left behind:\n")
	for _, name := range importer.DownstreamObjectNames(ic.Spec.Members, ic.Spec.Mode) {
		fmt.Fprintf(o.Out, "  %s\n", name)
	}
	if last == nil {
		last = ic
	}
	var namespaces []string
	for _, p := range last.Status.Projects {
		namespaces = append(namespaces, p.Namespaces...)
	}
	for _, p := range ic.Spec.Projects {
		if len(p.Members) > 0 {
			fmt.Fprintf(o.Out, "  rolebindings -A -l %s (project members)\n", labels.SelectorFromSet(agent.ProjectBindingLabels(ic.Name)))
			break
		}
	}
	if len(namespaces) > 0 {
		fmt.Fprintf(o.Out, "  label %s on namespaces %s\n", v1alpha1.ProjectLabel, common.Escape(strings.Join(namespaces, ", ")))
	}
	if len(ic.Spec.Projects) > 0 {
		fmt.Fprintf(o.Out, "  label %s on the namespaces the projects list\n", v1alpha1.ProjectAssignedLabel)
	}
	fmt.Fprintf(o.Out, "If the cluster still exists, remove them with kubectl against it: deleting\n"+
		"clusterrole.rbac.authorization.k8s.io/%s removes every object it owns (and %s if the import created it).\n",
		v1alpha1.AgentClusterRole, v1alpha1.AgentNamespace)
}
