package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// writeStatus writes ic.Status when it differs from before. A newer lastProbeTime alone is
// written only once the stored one is older than lastProbeRefresh, to spare the hub a write
// per probe. Phase transitions are announced as events.
func (r *Reconciler) writeStatus(ctx context.Context, ic *v1alpha1.ImportedCluster, before *v1alpha1.ImportedClusterStatus) error {
	if r.unchanged(before, &ic.Status) {
		return nil
	}
	if err := r.Client.Status().Update(ctx, ic); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	if before.Phase != ic.Status.Phase {
		r.announce(ic, before.Phase)
	}
	return nil
}

func (r *Reconciler) unchanged(before, after *v1alpha1.ImportedClusterStatus) bool {
	return status.Unchanged(before, after, r.Options.lastProbeRefresh())
}

// announce emits the event of a phase transition; never with a credential in it (condition
// messages carry server URLs and errors, never tokens).
func (r *Reconciler) announce(ic *v1alpha1.ImportedCluster, from v1alpha1.Phase) {
	to := ic.Status.Phase
	eventType, msg := corev1.EventTypeNormal, ""
	switch to {
	case v1alpha1.PhaseActive:
		msg = "downstream reached, projects assigned, members applied"
	case v1alpha1.PhaseUnavailable:
		eventType, msg = corev1.EventTypeWarning, status.FirstProblem(ic)
	case v1alpha1.PhasePending:
		msg = status.FirstProblem(ic)
	case v1alpha1.PhaseDisconnecting:
		msg = "removing what the import put in the downstream"
	}
	if from == "" {
		from = "new"
	}
	r.Recorder.Eventf(ic, eventType, string(to), "%s -> %s: %s", from, to, msg)
}
