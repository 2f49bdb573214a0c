package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// writeStatus writes what the reconciler observed as ic's status (clustersync.HubWriter), when
// it changed anything but a recent lastProbeTime. Phase transitions are announced as events.
func (r *Reconciler) writeStatus(ctx context.Context, ic *v1alpha1.ImportedCluster, observed *v1alpha1.ImportedClusterStatus) error {
	from, err := clustersync.HubWriter(r.Client, r.Options.lastProbeRefresh()).Write(ctx, ic, observed)
	if err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	if from != ic.Status.Phase {
		r.announce(ic, from)
	}
	return nil
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
