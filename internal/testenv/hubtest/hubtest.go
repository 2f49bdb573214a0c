// Package hubtest is a real hub (internal/testenv) for the tests of the plugin's hub verbs,
// with ImportedClusters carrying the status a reconciler would write and the events it would
// record (internal/testenv/plugintest runs the verbs against it).
package hubtest

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Start starts a hub with the ImportedCluster CRD, stopped when the test ends.
func Start(t testing.TB) *testenv.Cluster {
	t.Helper()
	return testenv.Start(t, testenv.Options{Name: "hub", HubCRDs: true})
}

// Create creates ic, then writes its status through the status subresource as the reconciler
// does (a create drops status). It returns the stored object.
func Create(t testing.TB, c client.Client, ic *v1alpha1.ImportedCluster) *v1alpha1.ImportedCluster {
	t.Helper()
	ctx := context.Background()
	status := ic.Status
	ic = ic.DeepCopy()
	if err := c.Create(ctx, ic); err != nil {
		t.Fatalf("creating importedcluster %q: %v", ic.Name, err)
	}
	ic.Status = status
	if err := c.Status().Update(ctx, ic); err != nil {
		t.Fatalf("writing the status of importedcluster %q: %v", ic.Name, err)
	}
	return ic
}

// Delete removes every ImportedCluster, so a test can start from an empty hub.
func Delete(t testing.TB, c client.Client) {
	t.Helper()
	if err := c.DeleteAllOf(context.Background(), &v1alpha1.ImportedCluster{}); err != nil {
		t.Fatalf("deleting importedclusters: %v", err)
	}
}

// Record writes a core/v1 Event about ic, as the reconciler's event recorder does.
func Record(t testing.TB, c client.Client, ic *v1alpha1.ImportedCluster, typ, reason, message string, at time.Time, count int32) {
	t.Helper()
	ts := metav1.NewTime(at)
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: ic.Name + ".", Namespace: metav1.NamespaceDefault},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: "ImportedCluster", Name: ic.Name, UID: ic.UID,
		},
		Type: typ, Reason: reason, Message: message,
		Source:         corev1.EventSource{Component: v1alpha1.ReconcilerName},
		FirstTimestamp: ts, LastTimestamp: ts, Count: count,
	}
	if err := c.Create(context.Background(), ev); err != nil {
		t.Fatalf("recording event %s for %q: %v", reason, ic.Name, err)
	}
}

// Eventually polls cond for up to timeout; it fails the test with cond's last description.
func Eventually(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, desc := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, desc)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
