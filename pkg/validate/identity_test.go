package validate

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// cluster is an ImportedCluster named name for the downstream clusterID, in phase.
func cluster(name, clusterID string, phase v1alpha1.Phase) v1alpha1.ImportedCluster {
	var labels map[string]string
	if clusterID != "" {
		labels = map[string]string{v1alpha1.ClusterIDLabel: clusterID}
	}
	return v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: v1alpha1.ImportedClusterSpec{
			ClusterID:            clusterID,
			APIServer:            "https://10.0.0.1:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)},
		},
		Status: v1alpha1.ImportedClusterStatus{Phase: phase},
	}
}

func TestIdentityOnCreate(t *testing.T) {
	const uid = "0b6f4c1e-1111-2222-3333-444455556666"
	deleting := cluster("old", uid, v1alpha1.PhaseDisconnecting)
	deleting.DeletionTimestamp = &metav1.Time{}
	cases := []struct {
		desc   string
		others []v1alpha1.ImportedCluster
		errs   []string
	}{
		{"first import", nil, nil},
		{"existing Active", []v1alpha1.ImportedCluster{cluster("prod", uid, v1alpha1.PhaseActive)},
			[]string{`=spec.clusterID: Invalid value: "` + uid + `": this cluster is already imported as "prod" (Active); to import it under another name, run ` + "`kubectl import delete prod`" + ` first`}},
		{"existing Pending", []v1alpha1.ImportedCluster{cluster("prod", uid, v1alpha1.PhasePending)},
			[]string{`=spec.clusterID: Invalid value: "` + uid + `": this cluster is already imported as "prod" (Pending); re-run ` + "`kubectl import cluster prod`" + ` to repair it, or ` + "`kubectl import delete prod`" + ` first`}},
		{"existing without a phase yet counts as Pending", []v1alpha1.ImportedCluster{cluster("prod", uid, "")}, []string{`"prod" (Pending); re-run`}},
		{"existing Unavailable", []v1alpha1.ImportedCluster{cluster("prod", uid, v1alpha1.PhaseUnavailable)}, []string{`"prod" (Unavailable); re-run ` + "`kubectl import cluster prod`"}},
		{"existing Upgrading", []v1alpha1.ImportedCluster{cluster("prod", uid, v1alpha1.PhaseUpgrading)}, []string{`"prod" (Upgrading); re-run`}},
		{"existing being deleted still holds the identity", []v1alpha1.ImportedCluster{deleting},
			[]string{`=spec.clusterID: Invalid value: "` + uid + `": this cluster is being disconnected as "old"; wait until ` + "`kubectl import delete old`" + ` has finished, then import it again`}},
		{"several holders, sorted by name", []v1alpha1.ImportedCluster{cluster("b", uid, v1alpha1.PhaseActive), cluster("a", uid, v1alpha1.PhasePending)},
			[]string{`imported as "a" (Pending)`, `imported as "b" (Active)`}},
		{"other clusterIDs and the object itself are ignored", []v1alpha1.ImportedCluster{cluster("other", "another-uid", v1alpha1.PhaseActive), cluster("new", uid, v1alpha1.PhaseActive)}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			newObj := cluster("new", uid, "")
			expectResult(t, Identity(&newObj, nil, tc.others), tc.errs, nil)
		})
	}
}

// A name that is a UUID would share the Lease name cluster-<name> with another cluster's
// identity claim cluster-<clusterID>: refused on CREATE, left alone once stored.
func TestIdentityUUIDName(t *testing.T) {
	const uid = "0b6f4c1e-1111-2222-3333-444455556666"
	for _, tc := range []struct {
		name string
		errs []string
	}{
		{uid, []string{`=metadata.name: Invalid value: "` + uid + `": an ImportedCluster may not be named like a cluster ID (a UUID): ` +
			`the hub keeps the heartbeat Lease of a cluster as cluster-<name> and the identity claim of a cluster ID as cluster-<clusterID>, side by side, ` +
			`so this name would be another cluster's claim; choose another name, e.g. "cluster-0b6f4c1e"`}},
		{"0B6F4C1E-1111-2222-3333-444455556666", []string{`may not be named like a cluster ID`}},
		{"prod-" + uid, nil},
		{uid + "-x", nil},
		{"0b6f4c1e111122223333444455556666", nil},
		{"0b6f4c1e-1111-2222-3333-44445555666g", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newObj := cluster(tc.name, "00000000-0000-4000-8000-000000000001", "")
			r := Identity(&newObj, nil, nil)
			expectResult(t, r, tc.errs, nil)
			if len(r.Errors) > 0 && r.RuleOf(0) != RuleIdentity {
				t.Errorf("rule %s", r.RuleOf(0))
			}
			stored := newObj.DeepCopy()
			newObj.Spec.DisplayName = "changed"
			expectResult(t, Identity(&newObj, stored, nil), nil, nil)
		})
	}
}

func TestIdentityOnUpdate(t *testing.T) {
	edit := func(phase v1alpha1.Phase, change func(*v1alpha1.ImportedCluster)) (*v1alpha1.ImportedCluster, *v1alpha1.ImportedCluster) {
		old := cluster("prod", "00000000-0000-4000-8000-000000000001", phase)
		updated := old.DeepCopy()
		change(updated)
		return updated, &old
	}
	cases := []struct {
		desc   string
		phase  v1alpha1.Phase
		change func(*v1alpha1.ImportedCluster)
		errs   []string
	}{
		{"clusterID is immutable", v1alpha1.PhasePending, func(c *v1alpha1.ImportedCluster) { c.Spec.ClusterID = "00000000-0000-4000-8000-000000000002" },
			[]string{`=spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000002": is immutable (it is "00000000-0000-4000-8000-000000000001"): it names the downstream cluster; to import another cluster, create another ImportedCluster`}},
		{"Active apiServer cannot be re-pointed", v1alpha1.PhaseActive, func(c *v1alpha1.ImportedCluster) { c.Spec.APIServer = "https://10.9.9.9:6443" },
			[]string{`=spec.apiServer: Invalid value: "https://10.9.9.9:6443": re-pointing an Active cluster is refused (it is "https://10.0.0.1:6443"); to move it, ` + "`kubectl import delete prod`" + ` and import it again`}},
		{"Active credentials cannot be re-pointed", v1alpha1.PhaseActive, func(c *v1alpha1.ImportedCluster) { c.Spec.CredentialsSecretRef.Name = "stolen" },
			[]string{`=spec.credentialsSecretRef.name: Invalid value: "stolen": re-pointing an Active cluster is refused (it is "prod-credentials"); to move it, ` + "`kubectl import delete prod`" + ` and import it again`}},
		{"Upgrading cluster cannot be re-pointed", v1alpha1.PhaseUpgrading, func(c *v1alpha1.ImportedCluster) { c.Spec.APIServer = "https://x" },
			[]string{`re-pointing an Upgrading cluster is refused`}},
		{"everything at once", v1alpha1.PhaseActive, func(c *v1alpha1.ImportedCluster) {
			c.Spec.ClusterID, c.Spec.APIServer, c.Spec.CredentialsSecretRef.Name = "00000000-0000-4000-8000-000000000002", "https://x", "y"
		}, []string{`spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000002": is immutable`, `spec.apiServer: Invalid value: "https://x"`, `spec.credentialsSecretRef.name: Invalid value: "y"`}},
		{"Pending cluster may be re-pointed (repair)", v1alpha1.PhasePending, func(c *v1alpha1.ImportedCluster) { c.Spec.APIServer = "https://x" }, nil},
		{"Unavailable cluster may be re-pointed (endpoint moved)", v1alpha1.PhaseUnavailable, func(c *v1alpha1.ImportedCluster) {
			c.Spec.APIServer, c.Spec.CredentialsSecretRef.Name = "https://x", "new-creds"
		}, nil},
		{"Active cluster: other fields may change", v1alpha1.PhaseActive, func(c *v1alpha1.ImportedCluster) { c.Spec.DisplayName = "Production" }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			newObj, oldObj := edit(tc.phase, tc.change)
			expectResult(t, Identity(newObj, oldObj, nil), tc.errs, nil)
		})
	}
	t.Run("Active credentials may move to NAME-credentials: a record stored with another name is repaired", func(t *testing.T) {
		oldObj := cluster("prod", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)
		oldObj.Spec.CredentialsSecretRef.Name = "legacy-secret"
		newObj := oldObj.DeepCopy()
		newObj.Spec.CredentialsSecretRef.Name = "prod-credentials"
		expectResult(t, Identity(newObj, &oldObj, nil), nil, nil)
	})
	t.Run("duplicates are not checked on UPDATE, so a racing record can still be fixed or deleted", func(t *testing.T) {
		newObj, oldObj := edit(v1alpha1.PhasePending, func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil })
		expectResult(t, Identity(newObj, oldObj, []v1alpha1.ImportedCluster{cluster("twin", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)}), nil, nil)
	})
}

// TestIdentityWaitingForJoin: a registration made by `kubectl import create` has no clusterID
// until `kubectl import join` sets it; that first setting is checked like a create.
func TestIdentityWaitingForJoin(t *testing.T) {
	waiting := func(name string) v1alpha1.ImportedCluster {
		c := cluster(name, "", v1alpha1.PhasePending)
		c.Spec.APIServer = ""
		return c
	}
	joined := func(clusterID string) *v1alpha1.ImportedCluster {
		c := waiting("new")
		c.Spec.ClusterID, c.Spec.APIServer = clusterID, "https://10.0.0.2:6443"
		if clusterID != "" {
			c.Labels = map[string]string{v1alpha1.ClusterIDLabel: clusterID}
		}
		return &c
	}
	stored := waiting("new")
	others := []v1alpha1.ImportedCluster{waiting("a"), waiting("b")}
	cases := []struct {
		desc           string
		newObj, oldObj *v1alpha1.ImportedCluster
		others         []v1alpha1.ImportedCluster
		errs           []string
	}{
		{"create without a clusterID conflicts with no other waiting registration", &stored, nil, others, nil},
		{"an update of a waiting registration conflicts with nothing", joined(""), &stored, others, nil},
		{"join to a fresh clusterID", joined("00000000-0000-4000-8000-000000000001"), &stored, []v1alpha1.ImportedCluster{cluster("x", "00000000-0000-4000-8000-000000000002", v1alpha1.PhaseActive)}, nil},
		{"join to the clusterID of an Active cluster names it", joined("00000000-0000-4000-8000-000000000001"), &stored, []v1alpha1.ImportedCluster{cluster("prod", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)},
			[]string{`=spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000001": this cluster is already imported as "prod" (Active); to import it under another name, run ` +
				"`kubectl import delete prod`" + ` first; or drop this registration with ` + "`kubectl import delete new`"}},
		{"join to the clusterID of a Pending cluster", joined("00000000-0000-4000-8000-000000000001"), &stored, []v1alpha1.ImportedCluster{cluster("prod", "00000000-0000-4000-8000-000000000001", "")},
			[]string{`"prod" (Pending); re-run ` + "`kubectl import cluster prod`" + ` to repair it, or ` + "`kubectl import delete prod`" + ` first; or drop this registration with ` + "`kubectl import delete new`"}},
		{"the registration itself in the index is no duplicate", joined("00000000-0000-4000-8000-000000000001"), &stored, []v1alpha1.ImportedCluster{*joined("00000000-0000-4000-8000-000000000001")}, nil},
		{"a set clusterID cannot be cleared", joined(""), joined("00000000-0000-4000-8000-000000000001"), nil,
			[]string{`=spec.clusterID: Invalid value: "": is immutable (it is "00000000-0000-4000-8000-000000000001"): it names the downstream cluster; to import another cluster, create another ImportedCluster`}},
		{"a set clusterID cannot be changed, nor is the new one checked for duplicates", joined("00000000-0000-4000-8000-000000000002"), joined("00000000-0000-4000-8000-000000000001"), []v1alpha1.ImportedCluster{cluster("prod", "00000000-0000-4000-8000-000000000002", v1alpha1.PhaseActive)},
			[]string{`spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000002": is immutable (it is "00000000-0000-4000-8000-000000000001")`}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			expectResult(t, Identity(tc.newObj, tc.oldObj, tc.others), tc.errs, nil)
		})
	}
}

func TestChecksDuplicates(t *testing.T) {
	with := func(clusterID string) *v1alpha1.ImportedCluster {
		c := cluster("c", clusterID, "")
		return &c
	}
	cases := []struct {
		desc           string
		newObj, oldObj *v1alpha1.ImportedCluster
		want           bool
	}{
		{"create with a clusterID", with("00000000-0000-4000-8000-000000000001"), nil, true},
		{"create waiting for join", with(""), nil, false},
		{"join sets the clusterID", with("00000000-0000-4000-8000-000000000001"), with(""), true},
		{"update while waiting", with(""), with(""), false},
		{"update of a joined cluster", with("00000000-0000-4000-8000-000000000001"), with("00000000-0000-4000-8000-000000000001"), false},
		{"change of a set clusterID (refused as immutable)", with("00000000-0000-4000-8000-000000000002"), with("00000000-0000-4000-8000-000000000001"), false},
	}
	for _, tc := range cases {
		if got := ChecksDuplicates(tc.newObj, tc.oldObj); got != tc.want {
			t.Errorf("%s: ChecksDuplicates = %v, want %v", tc.desc, got, tc.want)
		}
	}
}

// A clusterID is the UID of a kube-system namespace: a lowercase UUID, checked when a request
// sets it (create, or join's update), never on later updates of a stored one.
func TestIdentityClusterIDForm(t *testing.T) {
	const hint = "must be the UID of the downstream's kube-system namespace, a lowercase UUID such as \"0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d\": " +
		"`kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'` against the downstream prints it, and `kubectl import cluster` or `join` sets it for you"
	for _, tc := range []struct {
		id   string
		errs []string
	}{
		{"0b6f4c1e-1111-4222-8333-444455556666", nil},
		{"uid-1", []string{`=spec.clusterID: Invalid value: "uid-1": ` + hint}},
		{"0B6F4C1E-1111-4222-8333-444455556666", []string{`Invalid value: "0B6F4C1E-1111-4222-8333-444455556666": must be the UID`}},
		{"0b6f4c1e111142228333444455556666", []string{`must be the UID`}},
		{"0b6f4c1e-1111-4222-8333-444455556666\n", []string{`must be the UID`}},
		{"{0b6f4c1e-1111-4222-8333-444455556666}", []string{`must be the UID`}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			created := cluster("edge", tc.id, "")
			r := Identity(&created, nil, nil)
			expectResult(t, r, tc.errs, nil)
			if len(r.Errors) > 0 && r.RuleOf(0) != RuleIdentity {
				t.Errorf("rule %s", r.RuleOf(0))
			}
			waiting := cluster("edge", "", v1alpha1.PhasePending)
			expectResult(t, Identity(&created, &waiting, nil), tc.errs, nil) // join sets it
			stored := created.DeepCopy()
			created.Spec.DisplayName = "edge site"
			expectResult(t, Identity(&created, stored, nil), nil, nil) // stored before the rule: left alone
		})
	}
}

// TestIdentityLabel: the label kimport.dev/cluster-id mirrors spec.clusterID, the webhook's
// only way to find the other holders of a clusterID; a label that lies is refused.
func TestIdentityLabel(t *testing.T) {
	const id, other = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
	labelled := func(clusterID string, label ...string) *v1alpha1.ImportedCluster {
		c := cluster("prod", clusterID, v1alpha1.PhaseActive)
		c.Labels = map[string]string{"team": "edge"}
		for _, l := range label {
			c.Labels[v1alpha1.ClusterIDLabel] = l
		}
		return &c
	}
	const field = "metadata.labels[kimport.dev/cluster-id]: "
	cases := []struct {
		desc           string
		newObj, oldObj *v1alpha1.ImportedCluster
		errs           []string
	}{
		{"create with the label equal", labelled(id, id), nil, nil},
		{"create without the label", labelled(id), nil, []string{"=" + field + `Required value: must equal spec.clusterID ("` + id +
			`"): the hub finds the other registrations of a cluster by this label; add the label kimport.dev/cluster-id: "` + id + `" (` + "`kubectl import` sets it for you)"}},
		{"create with a label that lies", labelled(id, other), nil, []string{field + `Invalid value: "` + other + `": must equal spec.clusterID ("` + id +
			`"): the hub finds the other registrations of a cluster by this label; set it to "` + id + `"`}},
		{"create with an empty label", labelled(id, ""), nil, []string{field + `Invalid value: "": must equal spec.clusterID`}},
		{"create waiting for join, without the label", labelled(""), nil, nil},
		{"create waiting for join, claiming another cluster's identity", labelled("", other), nil, []string{"=" + field + `Invalid value: "` + other +
			`": names a cluster identity this registration does not hold (spec.clusterID is empty): remove the label; ` + "`kubectl import join` sets both together"}},
		{"join sets both", labelled(id, id), labelled(""), nil},
		{"join sets the clusterID alone", labelled(id), labelled(""), []string{field + `Required value`}},
		{"the label changed to lie", labelled(id, other), labelled(id, id), []string{field + `Invalid value: "` + other + `"`}},
		{"the label removed", labelled(id), labelled(id, id), []string{field + `Required value`}},
		{"the label added to a waiting registration", labelled("", other), labelled(""), []string{field + `Invalid value: "` + other + `": names a cluster identity`}},
		{"a record stored before the label stays editable", labelled(id), labelled(id), nil},
		{"the hub backfills it", labelled(id, id), labelled(id), nil},
		{"the hub corrects a stored lie", labelled(id, id), labelled(id, other), nil},
		{"a stored lie stays editable", labelled(id, other), labelled(id, other), nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if tc.oldObj != nil {
				tc.newObj.Status = tc.oldObj.Status
			}
			r := Identity(tc.newObj, tc.oldObj, nil)
			expectResult(t, r, tc.errs, nil)
			if len(r.Errors) > 0 && r.RuleOf(0) != RuleIdentity {
				t.Errorf("rule %s, want %s", r.RuleOf(0), RuleIdentity)
			}
		})
	}
}
