package admission_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubserver"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

const heartbeatPolicy = "kimport-agent-heartbeat"

// renewer renews one agent's heartbeat Lease every interval with the agent's own code
// (agentrun.RenewLease) and hub token, until stopped, faster than the hub's published cadence.
type renewer struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func startRenewer(c agentClients, cluster string, interval time.Duration) *renewer {
	ctx, cancel := context.WithCancel(context.Background())
	r := &renewer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ctx.Err() == nil {
			_, _ = agentrun.RenewLease(ctx, c.cs.CoordinationV1(), cluster, interval)
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}()
	return r
}

func (r *renewer) stop() {
	r.cancel()
	<-r.done
}

// TestHeartbeatIsTheClustersOwn: the agents of clusters a and b hold their real hub tokens
// (bootstrap token issued by the import, exchanged as kimport-agent exchanges it); the hub
// component judges their heartbeats as its own ServiceAccount. Before the fix, a's agent
// relabelled its Lease kimport.dev/cluster=b and kept b Active 25 s after b's agent stopped
// (grace 5 s); the same lever revoked a new registration's join token and deleted its
// bootstrap Secret. Now the relabel is refused (kimport-agent-heartbeat), b is Unavailable on
// time, and with that policy removed the hub still credits a's Lease to a alone.
func TestHeartbeatIsTheClustersOwn(t *testing.T) {
	const grace, interval = 5 * time.Second, time.Second
	e := startEnv(t, true, false, func(o *hubserver.Options) { o.Reconciler.HeartbeatGrace = grace })
	ctx := context.Background()
	admin := e.hub.Client
	ns := v1alpha1.HubNamespace
	a, b := startAgentIdentity(t, e, "a", 1), startAgentIdentity(t, e, "b", 2)
	waitHubPolicies(t, a, "a")
	// c was just registered by `kubectl import create` and joined; its agent has not started.
	registerJoined(t, e, "c", 3)

	renewA := startRenewer(a, "a", interval)
	defer renewA.stop()
	renewB := startRenewer(b, "b", interval)
	reportReady(t, b, "b")
	reportReady(t, a, "a")
	waitPhaseWithin(t, e, "a", v1alpha1.PhaseActive, 30*time.Second)
	waitPhaseWithin(t, e, "b", v1alpha1.PhaseActive, 30*time.Second)

	t.Run("a's agent cannot relabel or otherwise change its Lease; b goes Unavailable on time", func(t *testing.T) {
		renewB.stop()
		stopped := time.Now()
		leases := a.cs.CoordinationV1().Leases(ns)
		mine := func() *coordinationv1.Lease {
			l, err := leases.Get(ctx, v1alpha1.HeartbeatName("a"), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		for _, attack := range []struct {
			name   string
			change func(l *coordinationv1.Lease)
		}{
			{"relabel kimport.dev/cluster=b and renew", func(l *coordinationv1.Lease) {
				l.Labels[v1alpha1.ClusterLabel] = "b"
				l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
			}},
			{"drop the heartbeat label", func(l *coordinationv1.Lease) { delete(l.Labels, v1alpha1.HeartbeatLabel) }},
			{"add an annotation", func(l *coordinationv1.Lease) { l.Annotations = map[string]string{"x": "y"} }},
			{"drop its owner", func(l *coordinationv1.Lease) { l.OwnerReferences = nil }},
			{"add a finalizer", func(l *coordinationv1.Lease) { l.Finalizers = append(l.Finalizers, "example.com/keep") }},
			{"take over holderIdentity", func(l *coordinationv1.Lease) { l.Spec.HolderIdentity = ptr.To(v1alpha1.AgentUsername("b")) }},
			{"stretch leaseDurationSeconds", func(l *coordinationv1.Lease) { l.Spec.LeaseDurationSeconds = ptr.To[int32](86400) }},
			{"move acquireTime", func(l *coordinationv1.Lease) { l.Spec.AcquireTime = &metav1.MicroTime{Time: time.Now().Add(time.Hour)} }},
			{"count leaseTransitions", func(l *coordinationv1.Lease) { l.Spec.LeaseTransitions = ptr.To[int32](7) }},
		} {
			var err error
			for range 10 { // a's own renewals race the attack's read and write
				l := mine()
				attack.change(l)
				if _, err = leases.Update(ctx, l, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
					break
				}
			}
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), heartbeatPolicy) {
				t.Errorf("%s: %v, want Forbidden by %s", attack.name, err, heartbeatPolicy)
			}
		}
		_, err := leases.Patch(ctx, v1alpha1.HeartbeatName("a"), types.MergePatchType, []byte(`{"metadata":{"labels":{"kimport.dev/cluster":"b"}}}`), metav1.PatchOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("merge patch kimport.dev/cluster=b: %v, want Forbidden", err)
		}
		var stored coordinationv1.Lease
		if err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: v1alpha1.HeartbeatName("a")}, &stored); err != nil {
			t.Fatal(err)
		}
		if stored.Labels[v1alpha1.ClusterLabel] != "a" || stored.Labels[v1alpha1.HeartbeatLabel] != "true" || len(stored.Annotations) != 0 ||
			len(stored.OwnerReferences) != 1 || *stored.Spec.HolderIdentity != v1alpha1.AgentUsername("a") || *stored.Spec.LeaseDurationSeconds != 5 {
			t.Errorf("a's Lease changed: labels %v, annotations %v, owners %v, spec %+v", stored.Labels, stored.Annotations, stored.OwnerReferences, stored.Spec)
		}
		waitPhaseWithin(t, e, "b", v1alpha1.PhaseUnavailable, grace+10*time.Second)
		took := time.Since(stopped)
		t.Logf("b Unavailable %s after its agent stopped (grace %s), a's agent renewing all along", took.Round(100*time.Millisecond), grace)
		if took > grace+5*time.Second {
			t.Errorf("b Unavailable only after %s (grace %s)", took, grace)
		}
		assertHeartbeat(t, e, "a", v1alpha1.ReasonRenewed) // the valid renewals go on
	})

	t.Run("without the policy the hub still credits a's Lease to a alone", func(t *testing.T) {
		binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: heartbeatPolicy}}
		if err := admin.Delete(ctx, binding); err != nil {
			t.Fatal(err)
		}
		// The API server drops the policy asynchronously: wait until a relabel passes (a dry run).
		hubtest.Eventually(t, 30*time.Second, func() (bool, string) {
			l, err := a.cs.CoordinationV1().Leases(ns).Get(ctx, v1alpha1.HeartbeatName("a"), metav1.GetOptions{})
			if err == nil {
				l.Labels[v1alpha1.ClusterLabel] = "b"
				_, err = a.cs.CoordinationV1().Leases(ns).Update(ctx, l, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
			}
			return err == nil, fmt.Sprintf("a dry-run relabel still refused: %v", err)
		})
		renewB = startRenewer(b, "b", interval)
		waitPhaseWithin(t, e, "b", v1alpha1.PhaseActive, 30*time.Second)
		renewB.stop()
		stopped := time.Now()
		relabel(t, a, "a", "b")
		waitPhaseWithin(t, e, "b", v1alpha1.PhaseUnavailable, grace+10*time.Second)
		took := time.Since(stopped)
		t.Logf("policy off, a's Lease labelled kimport.dev/cluster=b and renewed: b Unavailable %s after its agent stopped (grace %s)",
			took.Round(100*time.Millisecond), grace)
		if took > grace+5*time.Second {
			t.Errorf("b Unavailable only after %s (grace %s)", took, grace)
		}

		// The new registration c: its join token and bootstrap Secret stay, its agent awaited.
		relabel(t, a, "a", "c")
		renewedSince := time.Now()
		hubtest.Eventually(t, 20*time.Second, func() (bool, string) {
			var l coordinationv1.Lease
			_ = admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: v1alpha1.HeartbeatName("a")}, &l)
			n := l.Spec.RenewTime != nil && l.Spec.RenewTime.Time.After(renewedSince.Add(3*interval))
			return n && l.Labels[v1alpha1.ClusterLabel] == "c", fmt.Sprintf("a's Lease %v renewed %v", l.Labels, l.Spec.RenewTime)
		})
		time.Sleep(3 * time.Second) // a few of the hub's reconciles (probe interval 1 s) after those renewals
		for _, obj := range []client.Object{
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.AgentBootstrapName("c")}},
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1alpha1.JoinName("c")}},
		} {
			if err := admin.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil || obj.GetDeletionTimestamp() != nil {
				t.Errorf("%T %s of the new registration c is gone after a's relabelled renewals: %v", obj, obj.GetName(), err)
			}
		}
		assertHeartbeat(t, e, "c", v1alpha1.ReasonAwaitingAgent)
		assertHeartbeat(t, e, "a", v1alpha1.ReasonRenewed)
	})
}

// startAgentIdentity registers cluster name in agent mode as the import does (the record, the
// agent's hub identity, a bootstrap token) and makes the bootstrap exchange as kimport-agent
// makes it: its own session-bound token, then the bootstrap Secret deleted. It returns the
// agent's clients with its own token.
func startAgentIdentity(t *testing.T, e *env, name string, n int) agentClients {
	t.Helper()
	ctx := context.Background()
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: idLabel(testClusterID(n))},
		Spec: v1alpha1.ImportedClusterSpec{Mode: v1alpha1.ModeAgent, ClusterID: testClusterID(n), APIServer: "https://" + name + ".example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}}}
	if err := e.hub.Client.Create(ctx, ic); err != nil {
		t.Fatal(err)
	}
	uid, err := importer.ApplyAgentIdentity(ctx, e.hub.Client, ic, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bootstrap, err := importer.IssueBootstrapToken(ctx, e.hub.Client, name, uid, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := bearer(t, e.hub.Config, bootstrap).cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).CreateToken(ctx,
		v1alpha1.AgentName(name), agent.SessionTokenRequest(name, agent.HubTokenLifetime), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the bootstrap exchange of %s: %v", name, err)
	}
	own := bearer(t, e.hub.Config, tr.Status.Token)
	if err := own.cs.CoreV1().Secrets(v1alpha1.HubNamespace).Delete(ctx, v1alpha1.AgentBootstrapName(name), metav1.DeleteOptions{}); err != nil {
		t.Fatalf("the agent of %s deleting its bootstrap Secret: %v", name, err)
	}
	return own
}

// registerJoined leaves cluster name as `kubectl import create` then the first step of
// `kubectl import join --mode agent` leave it: a registration with its join identity, the
// agent's hub identity and bootstrap Secret, and the downstream's identity recorded; no agent
// runs yet.
func registerJoined(t *testing.T, e *env, name string, n int) {
	t.Helper()
	ctx := context.Background()
	reg := joinflow.Registration{Name: name, ExpiresAt: time.Now().Add(time.Hour)}
	applied, err := importer.Apply(ctx, e.hub.Client, reg.ImportedCluster(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range reg.JoinObjects(applied.GetUID()) {
		if _, err := importer.Apply(ctx, e.hub.Client, obj, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var ic v1alpha1.ImportedCluster
	if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		t.Fatal(err)
	}
	if _, err := importer.ApplyAgentIdentity(ctx, e.hub.Client, &ic, io.Discard); err != nil {
		t.Fatal(err)
	}
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}},"spec":{"clusterID":%q,"apiServer":"https://%s.example:6443","mode":"Agent"}}`,
		v1alpha1.ClusterIDLabel, testClusterID(n), testClusterID(n), name)
	if err := e.hub.Client.Patch(ctx, &ic, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatal(err)
	}
}

func testClusterID(n int) string { return fmt.Sprintf("0b7e6a52-0000-4000-8000-%012d", n) }

// waitHubPolicies waits until the hub's API server enforces the policies `init` installed
// (it loads them asynchronously), probing with requests of cluster's agent they refuse.
func waitHubPolicies(t *testing.T, c agentClients, cluster string) {
	t.Helper()
	ctx := context.Background()
	hubtest.Eventually(t, 30*time.Second, func() (bool, string) {
		l, err := c.cs.CoordinationV1().Leases(v1alpha1.HubNamespace).Get(ctx, v1alpha1.HeartbeatName(cluster), metav1.GetOptions{})
		if err == nil {
			l.Labels["probe"] = "x"
			_, err = c.cs.CoordinationV1().Leases(v1alpha1.HubNamespace).Update(ctx, l, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		}
		if !apierrors.IsForbidden(err) {
			return false, fmt.Sprintf("a dry-run label change of the agent's Lease: %v", err)
		}
		_, err = c.cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).CreateToken(ctx, v1alpha1.AgentName(cluster),
			agent.SessionTokenRequest(cluster, 2*time.Hour), metav1.CreateOptions{})
		return apierrors.IsForbidden(err), fmt.Sprintf("a 2h token request of the agent: %v", err)
	})
}

// reportReady writes, as cluster's agent with its own token, the conditions the agent
// reports once it has synchronised the downstream.
func reportReady(t *testing.T, c agentClients, cluster string) {
	t.Helper()
	ctx := context.Background()
	hubtest.Eventually(t, 30*time.Second, func() (bool, string) {
		var ic v1alpha1.ImportedCluster
		if err := c.c.Get(ctx, client.ObjectKey{Name: cluster}, &ic); err != nil {
			return false, err.Error()
		}
		for _, cond := range []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
			status.SetCondition(&ic, cond, metav1.ConditionTrue, "Synced", "reported by the agent")
		}
		err := c.c.Status().Update(ctx, &ic)
		return err == nil, fmt.Sprintf("the agent of %s reporting: %v", cluster, err)
	})
}

// relabel sets, as the agent of cluster with its own token, kimport.dev/cluster=to on its
// Lease (retrying while its renewals conflict).
func relabel(t *testing.T, c agentClients, cluster, to string) {
	t.Helper()
	ctx := context.Background()
	leases := c.cs.CoordinationV1().Leases(v1alpha1.HubNamespace)
	hubtest.Eventually(t, 10*time.Second, func() (bool, string) {
		l, err := leases.Get(ctx, v1alpha1.HeartbeatName(cluster), metav1.GetOptions{})
		if err == nil {
			l.Labels[v1alpha1.ClusterLabel] = to
			_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
		}
		return err == nil, fmt.Sprintf("relabelling the Lease of %s %s: %v", cluster, to, err)
	})
}

// waitPhaseWithin waits until cluster has phase, failing after timeout.
func waitPhaseWithin(t *testing.T, e *env, cluster string, phase v1alpha1.Phase, timeout time.Duration) {
	t.Helper()
	hubtest.Eventually(t, timeout, func() (bool, string) {
		var ic v1alpha1.ImportedCluster
		err := e.hub.Client.Get(context.Background(), client.ObjectKey{Name: cluster}, &ic)
		return err == nil && ic.Status.Phase == phase, fmt.Sprintf("%s: phase %q, want %s; conditions %+v (%v)", cluster, ic.Status.Phase, phase, ic.Status.Conditions, err)
	})
}

func assertHeartbeat(t *testing.T, e *env, cluster, reason string) {
	t.Helper()
	var ic v1alpha1.ImportedCluster
	if err := e.hub.Client.Get(context.Background(), client.ObjectKey{Name: cluster}, &ic); err != nil {
		t.Fatal(err)
	}
	if got := status.ConditionReason(&ic.Status, v1alpha1.ConditionHeartbeat); got != reason {
		t.Errorf("%s: Heartbeat reason %q, want %q (%+v)", cluster, got, reason, ic.Status.Conditions)
	}
}
