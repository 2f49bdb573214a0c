package agentrun_test

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

func TestRenewLeaseSetsRenewTime(t *testing.T) {
	name := v1alpha1.HeartbeatName("c1")
	cs := fake.NewClientset(&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: name},
		Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To(int32(60))}})
	before := time.Now().Add(-time.Second)
	published, err := agentrun.RenewLease(context.Background(), cs.CoordinationV1(), "c1", 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The agent renews at the cadence the hub publishes in the Lease.
	if published.Lease != time.Minute || published.Interval() != 20*time.Second {
		t.Errorf("published cadence %s (renewal every %s), want the Lease's 60s", published.Lease, published.Interval())
	}
	l, err := cs.CoordinationV1().Leases(v1alpha1.HubNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec.RenewTime == nil || l.Spec.RenewTime.Before(&metav1.MicroTime{Time: before}) || l.Spec.AcquireTime == nil {
		t.Errorf("renewTime %v, acquireTime %v: want both set to now", l.Spec.RenewTime, l.Spec.AcquireTime)
	}
	// The hub's policy lets an agent change nothing but the renewal (and acquireTime once).
	if d := l.Spec.LeaseDurationSeconds; d == nil || *d != 60 {
		t.Errorf("leaseDurationSeconds %v, want 60 (as the hub created it)", d)
	}
	acquired := *l.Spec.AcquireTime
	if _, err := agentrun.RenewLease(context.Background(), cs.CoordinationV1(), "c1", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	l, err = cs.CoordinationV1().Leases(v1alpha1.HubNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil || !l.Spec.AcquireTime.Equal(&acquired) {
		t.Errorf("a second renewal changed acquireTime %v -> %v (%v)", acquired, l.Spec.AcquireTime, err)
	}
	_, err = agentrun.RenewLease(context.Background(), cs.CoordinationV1(), "missing", 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), v1alpha1.HeartbeatName("missing")) {
		t.Errorf("renewing a missing Lease: %v, want an error naming it", err)
	}
}

func TestReportKeepsTheHubsConditions(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "c1"},
		Spec:       v1alpha1.ImportedClusterSpec{Mode: v1alpha1.ModeAgent, ClusterID: "id-1"},
	}
	status.SetCondition(ic, v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, v1alpha1.ReasonRenewed, "by the hub")
	hub := crfake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(ic).WithStatusSubresource(ic).Build()
	ctx := context.Background()
	var stored v1alpha1.ImportedCluster
	if err := hub.Get(ctx, client.ObjectKeyFromObject(ic), &stored); err != nil {
		t.Fatal(err)
	}

	observed := stored.DeepCopy()
	for _, c := range []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
		status.SetCondition(observed, c, metav1.ConditionTrue, "Ok", "observed")
	}
	// The agent's copy of a hub-owned condition is never written.
	status.SetCondition(observed, v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, v1alpha1.ReasonLate, "by the agent")
	if err := agentrun.Report(ctx, hub, hub, &stored, &observed.Status); err != nil {
		t.Fatal(err)
	}
	var got v1alpha1.ImportedCluster
	if err := hub.Get(ctx, client.ObjectKeyFromObject(ic), &got); err != nil {
		t.Fatal(err)
	}
	if c := status.FindCondition(&got.Status, v1alpha1.ConditionHeartbeat); c == nil || c.Status != metav1.ConditionTrue || c.Message != "by the hub" {
		t.Errorf("Heartbeat %+v, want the hub's", c)
	}
	if got.Status.Phase != v1alpha1.PhaseActive {
		t.Errorf("phase %q, want Active", got.Status.Phase)
	}

	// Nothing new observed (observed from the stored object, as the agent does): no write.
	rv := got.ResourceVersion
	again := got.DeepCopy()
	for _, c := range []string{v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
		status.SetCondition(again, c, metav1.ConditionTrue, "Ok", "observed")
	}
	if err := agentrun.Report(ctx, hub, hub, &got, &again.Status); err != nil {
		t.Fatal(err)
	}
	if err := hub.Get(ctx, client.ObjectKeyFromObject(ic), &got); err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != rv {
		t.Errorf("an unchanged report wrote status (resourceVersion %s -> %s)", rv, got.ResourceVersion)
	}
}
