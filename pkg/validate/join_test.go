package validate

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// registration is what `kubectl import create prod` stores: no clusterID, no apiServer.
func registration() *v1alpha1.ImportedCluster {
	c := cluster("prod", "", v1alpha1.PhasePending)
	c.Spec.APIServer = ""
	c.Spec.Members = []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}}
	c.Labels = map[string]string{"env": "prod"}
	c.Annotations = map[string]string{v1alpha1.HubIDAnnotation: "hub-uid", v1alpha1.JoinExpiresAnnotation: "2030-01-01T00:00:00Z"}
	c.Finalizers = []string{v1alpha1.Finalizer}
	c.ResourceVersion, c.Generation = "7", 1
	c.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-import", Operation: metav1.ManagedFieldsOperationApply}}
	return &c
}

// joined is old after `kubectl import join` applied clusterID, apiServer and the label.
func joined(old *v1alpha1.ImportedCluster) *v1alpha1.ImportedCluster {
	c := old.DeepCopy()
	c.Spec.ClusterID, c.Spec.APIServer = "00000000-0000-4000-8000-000000000001", "https://10.0.0.2:6443"
	c.Labels[v1alpha1.ClusterIDLabel] = "00000000-0000-4000-8000-000000000001"
	c.ResourceVersion, c.Generation = "8", old.Generation+1
	c.ManagedFields = append(c.ManagedFields, metav1.ManagedFieldsEntry{Manager: v1alpha1.JoinFieldManager, Operation: metav1.ManagedFieldsOperationApply})
	return c
}

func TestJoinByItsOwnToken(t *testing.T) {
	user := v1alpha1.JoinUsername("prod")
	scope := func(field string) string {
		return "=" + field + `: Forbidden: the join token of "prod" may only set spec.clusterID, spec.apiServer and spec.mode; ask the hub admin to change ` + field
	}
	after := func(change func(*v1alpha1.ImportedCluster)) func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
		return func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := registration()
			n := joined(old)
			change(n)
			return n, old
		}
	}
	cases := []struct {
		desc    string
		request func() (newObj, oldObj *v1alpha1.ImportedCluster)
		errs    []string
	}{
		{"join sets clusterID, apiServer and the label", after(func(*v1alpha1.ImportedCluster) {}), nil},
		{"the label may be left out", after(func(c *v1alpha1.ImportedCluster) { delete(c.Labels, v1alpha1.ClusterIDLabel) }), nil},
		{"apiServer alone may be set first", after(func(c *v1alpha1.ImportedCluster) {
			c.Spec.ClusterID = ""
			delete(c.Labels, v1alpha1.ClusterIDLabel)
		}), nil},
		{"re-running join with the same values is a no-op", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := joined(registration())
			again := old.DeepCopy()
			again.ResourceVersion = "9"
			again.ManagedFields = append(again.ManagedFields, metav1.ManagedFieldsEntry{Manager: "other"})
			again.Labels = map[string]string{v1alpha1.ClusterIDLabel: "00000000-0000-4000-8000-000000000001", "env": "prod"} // a new map, same content
			return again, old
		}, nil},
		{"an apiServer the admin set at create may be kept", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := registration()
			old.Spec.APIServer = "https://10.0.0.2:6443"
			return joined(old), old
		}, nil},
		{"an apiServer the admin set at create may not be changed", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := registration()
			old.Spec.APIServer = "https://lb.example:6443"
			return joined(old), old
		}, []string{`=spec.apiServer: Invalid value: "https://10.0.0.2:6443": the join token of "prod" may set it only once, while the registration waits for join (it is "https://lb.example:6443"); ask the hub admin to change spec.apiServer`}},
		{"members", after(func(c *v1alpha1.ImportedCluster) {
			c.Spec.Members = append(c.Spec.Members, v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "mallory", Role: v1alpha1.RoleOwner})
		}),
			[]string{scope("spec.members")}},
		{"display name", after(func(c *v1alpha1.ImportedCluster) { c.Spec.DisplayName = "Production" }), []string{scope("spec.displayName")}},
		{"credentials", after(func(c *v1alpha1.ImportedCluster) { c.Spec.CredentialsSecretRef.Name = "stolen" }), []string{scope("spec.credentialsSecretRef")}},
		{"k3s", after(func(c *v1alpha1.ImportedCluster) { c.Spec.K3s = &v1alpha1.K3sSpec{Version: "v1.31.0+k3s1"} }), []string{scope("spec.k3s")}},
		{"finalizers", after(func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }), []string{scope("metadata.finalizers")}},
		{"owner references", after(func(c *v1alpha1.ImportedCluster) { c.OwnerReferences = []metav1.OwnerReference{{Name: "x"}} }),
			[]string{scope("metadata.ownerReferences")}},
		{"status", after(func(c *v1alpha1.ImportedCluster) { c.Status.Phase = v1alpha1.PhaseActive }), []string{scope("status")}},
		{"a field no rule names is refused by its top-level field", after(func(c *v1alpha1.ImportedCluster) { c.GenerateName = "x-" }), []string{scope("metadata")}},
		{"other labels and annotations, key by key, sorted", after(func(c *v1alpha1.ImportedCluster) {
			c.Labels["env"] = "dev"
			c.Labels["team"] = "a"
			delete(c.Annotations, v1alpha1.JoinExpiresAnnotation)
			c.Annotations[v1alpha1.CapabilityPrefix+"taintSupport"] = "true"
			c.Spec.DisplayName = "x"
		}), []string{scope("metadata.labels[env]"), scope("metadata.labels[team]"),
			scope("metadata.annotations[capabilities/taintSupport]"), scope("metadata.annotations[kimport.dev/join-expires-at]"), scope("spec.displayName")}},
		{"the label must equal the clusterID", after(func(c *v1alpha1.ImportedCluster) {
			c.Labels[v1alpha1.ClusterIDLabel] = "00000000-0000-4000-8000-000000000002"
		}),
			[]string{`=metadata.labels[kimport.dev/cluster-id]: Invalid value: "00000000-0000-4000-8000-000000000002": the join token of "prod" may only add it, equal to the spec.clusterID it sets ("00000000-0000-4000-8000-000000000001"), while the registration waits for join; ask the hub admin to change metadata.labels[kimport.dev/cluster-id]`}},
		{"the label needs a clusterID", after(func(c *v1alpha1.ImportedCluster) { c.Spec.ClusterID = "" }),
			[]string{`metadata.labels[kimport.dev/cluster-id]: Invalid value: "00000000-0000-4000-8000-000000000001": the join token of "prod" may only add it, equal to the spec.clusterID it sets ("")`}},
		{"once joined, the clusterID cannot change", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := joined(registration())
			n := old.DeepCopy()
			n.Spec.ClusterID, n.Labels[v1alpha1.ClusterIDLabel] = "00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000002"
			return n, old
		}, []string{`=spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000002": the join token of "prod" may set it only once, while the registration waits for join (it is "00000000-0000-4000-8000-000000000001"); ask the hub admin to change spec.clusterID`,
			`metadata.labels[kimport.dev/cluster-id]: Invalid value: "00000000-0000-4000-8000-000000000002"`}},
		{"once joined, the apiServer cannot change", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := joined(registration())
			n := old.DeepCopy()
			n.Spec.APIServer = "https://elsewhere:6443"
			return n, old
		}, []string{`spec.apiServer: Invalid value: "https://elsewhere:6443": the join token of "prod" may set it only once, while the registration waits for join (it is "https://10.0.0.2:6443")`}},
		{"once joined, not even an empty apiServer may be set", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := joined(registration())
			old.Spec.APIServer = ""
			n := old.DeepCopy()
			n.Spec.APIServer = "https://x:6443"
			return n, old
		}, []string{`spec.apiServer: Invalid value: "https://x:6443": the join token of "prod" may set it only once`}},
		{"once joined, the label cannot be removed", func() (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
			old := joined(registration())
			n := old.DeepCopy()
			delete(n.Labels, v1alpha1.ClusterIDLabel)
			return n, old
		}, []string{`metadata.labels[kimport.dev/cluster-id]: Invalid value: ""`}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			newObj, oldObj := tc.request()
			expectResult(t, Join(newObj, oldObj, user), tc.errs, nil)
		})
	}
}

func TestJoinByOthers(t *testing.T) {
	old := registration()
	members := joined(old)
	members.Spec.Members = nil
	cases := []struct {
		desc           string
		user           string
		newObj, oldObj *v1alpha1.ImportedCluster
		errs           []string
	}{
		{"the join token of another cluster may not write, not even a no-op", v1alpha1.JoinUsername("dev"), old, old,
			[]string{`=metadata.name: Forbidden: the join token of "dev" may only complete the registration "dev", not "prod"; ask the hub admin for the join command of "prod"`}},
		{"the join token of another cluster may not create", v1alpha1.JoinUsername("dev"), old, nil, []string{`the join token of "dev" may only complete the registration "dev", not "prod"`}},
		{"a join token may not create its registration", v1alpha1.JoinUsername("prod"), old, nil,
			[]string{"=metadata.name: Forbidden: the join token of \"prod\" may only complete its registration, not create one; ask the hub admin to run `kubectl import create prod`"}},
		{"a join token may not delete its registration", v1alpha1.JoinUsername("prod"), nil, old,
			[]string{"=metadata.name: Forbidden: the join token of \"prod\" may not delete its registration; ask the hub admin to run `kubectl import delete prod`"}},
		{"the hub admin may change anything", "kubernetes-admin", members, old, nil},
		{"the admin may create and delete", "kubernetes-admin", nil, old, nil},
		{"a ServiceAccount of that name in another namespace is no join token", "system:serviceaccount:default:" + v1alpha1.JoinName("prod"), members, old, nil},
		{"the bare prefix names no cluster", "system:serviceaccount:kimport-system:kimport-join-", members, old, nil},
		{"an anonymous request (no user)", "", members, old, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			expectResult(t, Join(tc.newObj, tc.oldObj, tc.user), tc.errs, nil)
		})
	}
}

func TestImportedClusterAppliesJoin(t *testing.T) {
	old := registration()
	n := joined(old)
	n.Spec.Members = nil
	c := Context{Username: v1alpha1.JoinUsername("prod"), Others: []v1alpha1.ImportedCluster{cluster("dup", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)}}
	expectResult(t, ImportedCluster(n, old, c), []string{
		`=spec.members: Forbidden: the join token of "prod" may only set spec.clusterID, spec.apiServer and spec.mode; ask the hub admin to change spec.members`,
		`spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000001": this cluster is already imported as "dup" (Active)`,
	}, nil)
}
