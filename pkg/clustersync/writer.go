package clustersync

import (
	"context"
	"time"

	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// StatusWriter writes the status of an ImportedCluster for one of its two writers: the hub's
// reconciler (HubWriter) and, in agent mode, the agent (AgentWriter). Both write through it,
// so both keep the other's conditions, derive the phase and skip a write that changes nothing
// alike.
type StatusWriter struct {
	// Client writes the status subresource.
	Client client.Client
	// Fresh re-reads the ImportedCluster after a conflict, to write the observation again over
	// what the other writer wrote meanwhile. Nil returns the conflict: the reconciler retries
	// its whole reconcile rather than write its read of the agent's status back over it.
	Fresh client.Reader
	// Keep are the condition types the other writer owns, kept as stored.
	Keep []string
	// Refresh is how stale status.lastProbeTime may get before a probe that changed nothing
	// else still writes it (status.Unchanged).
	Refresh time.Duration
}

// HubWriter is the reconciler's writer. It owns the whole status in direct mode and, in agent
// mode, its judgement of the agent (v1alpha1.HubOwnedConditions) over the status the agent
// reported, which it read and leaves as read.
func HubWriter(c client.Client, refresh time.Duration) StatusWriter {
	return StatusWriter{Client: c, Refresh: refresh}
}

// AgentWriter is the agent's writer, through its own hub client: everything but the hub's
// conditions, which it keeps as the hub left them (the webhook refuses any other write).
func AgentWriter(c client.Client, fresh client.Reader, refresh time.Duration) StatusWriter {
	return StatusWriter{Client: c, Fresh: fresh, Keep: v1alpha1.HubOwnedConditions, Refresh: refresh}
}

// Write makes observed ic's status, but for the conditions in Keep, derives the phase
// (status.PhaseFor) and writes it when it changed anything. ic holds the stored object and,
// afterwards, what was written. It returns the phase ic had before, for an announcement.
func (w StatusWriter) Write(ctx context.Context, ic *v1alpha1.ImportedCluster, observed *v1alpha1.ImportedClusterStatus) (v1alpha1.Phase, error) {
	from := ic.Status.Phase
	first := true
	write := func() error {
		if !first {
			if err := w.Fresh.Get(ctx, client.ObjectKeyFromObject(ic), ic); err != nil {
				return err
			}
		}
		first = false
		stored := ic.Status.DeepCopy()
		st := status.Keeping(observed, stored, w.Keep)
		st.Phase = stored.Phase // the phase before, which PhaseFor reads
		ic.Status = *st
		ic.Status.Phase = status.PhaseFor(ic)
		if status.Unchanged(stored, &ic.Status, w.Refresh) {
			return nil
		}
		return w.Client.Status().Update(ctx, ic)
	}
	if w.Fresh == nil {
		return from, write()
	}
	return from, retry.RetryOnConflict(retry.DefaultRetry, write)
}
