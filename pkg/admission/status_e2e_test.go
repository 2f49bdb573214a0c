package admission_test

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// TestStatusWritesOnlyByTheHub: the attack of a tenant who may write importedclusters/status
// (RBAC allows it) forging the node pools the upgrade rule trusts, then asking for a
// quorum-breaking upgrade. The status write is refused by the webhook and nothing changes;
// the upgrade rule still sees the 3 real etcd members. A cluster-admin of the hub is refused
// too; the hub component itself writes status.
func TestStatusWritesOnlyByTheHub(t *testing.T) {
	e := start(t, false) // the test plays the reconciler through e.server.Client
	ctx := context.Background()
	if out, err := e.kubectl(t, manifest("k3s-prod", "00000000-0000-4000-8000-000000000001", nil, ""), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	setStatus(t, e, "k3s-prod")

	tenant := "mallory"
	for _, obj := range []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: tenant}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters", "importedclusters/status"},
			Verbs: []string{"get", "list", "update", "patch"},
		}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: tenant},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: tenant, APIGroup: rbacv1.GroupName}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: tenant}},
	} {
		if err := e.hub.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := e.hub.AddUser(t, tenant, nil)
	mallory, err := client.New(cfg, client.Options{Scheme: e.hub.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "k3s-prod"}}
	forged := client.RawPatch(types.MergePatchType, []byte(`{"status":{"nodes":{"etcd":9,"controlPlane":{"total":9,"ready":9}}}}`))

	for _, who := range []struct {
		name string
		c    client.Client
	}{{"a tenant with RBAC on the status subresource", mallory}, {"a cluster-admin of the hub", e.hub.Client}} {
		t.Run(who.name+" cannot forge status", func(t *testing.T) {
			err := who.c.Status().Patch(ctx, ic.DeepCopy(), forged)
			if err == nil {
				t.Fatal("the forged status write was admitted")
			}
			mustContain(t, "refusal", err.Error(), deniedPrefix, "status: Forbidden: only the hub component ("+hubenv.ControllerIdentity+"), and in agent mode a cluster's own agent, writes the status")
			assertEtcd(t, e, 3)
		})
	}

	t.Run("the upgrade rule still sees 3 etcd members", func(t *testing.T) {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"k3s":{"upgradeStrategy":{"serverConcurrency":2}}}}`))
		err := mallory.Patch(ctx, ic.DeepCopy(), patch)
		if err == nil {
			t.Fatal("a quorum-breaking server concurrency was admitted")
		}
		mustContain(t, "refusal", err.Error(), "with 3 embedded-etcd servers at most 1 may upgrade at once")
		var got v1alpha1.ImportedCluster
		if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: "k3s-prod"}, &got); err != nil {
			t.Fatal(err)
		}
		if got.Spec.K3s != nil {
			t.Errorf("spec.k3s was stored: %+v", got.Spec.K3s)
		}
	})

	t.Run("the hub component writes status", func(t *testing.T) {
		if err := e.server.Client.Status().Patch(ctx, ic.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"status":{"nodes":{"etcd":5}}}`))); err != nil {
			t.Fatalf("the hub's own status write was refused: %v", err)
		}
		assertEtcd(t, e, 5)
	})
}

func assertEtcd(t *testing.T, e *env, want int32) {
	t.Helper()
	var got v1alpha1.ImportedCluster
	if err := e.hub.Client.Get(context.Background(), client.ObjectKey{Name: "k3s-prod"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Nodes == nil || got.Status.Nodes.Etcd != want {
		t.Errorf("status.nodes = %+v, want etcd %d", got.Status.Nodes, want)
	}
}
