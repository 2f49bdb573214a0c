package admission_test

import (
	"context"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// registration is what `kubectl import create NAME` stores: no clusterID, no apiServer.
func registration(name string) *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{v1alpha1.JoinExpiresAnnotation: "2030-01-01T00:00:00Z"}},
		Spec:       v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}},
	}
}

// joinClient is a client of the hub authenticated as the join ServiceAccount of cluster, with
// a TokenRequest token, allowed to get and patch the ImportedClusters named (RBAC as
// `kubectl import create` grants it, for cluster alone).
func joinClient(t *testing.T, hub *rest.Config, cluster string, names ...string) client.Client {
	t.Helper()
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(hub)
	if err != nil {
		t.Fatal(err)
	}
	name := v1alpha1.JoinName(cluster)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: v1alpha1.HubNamespace}}
	if _, err := cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters"},
			ResourceNames: names, Verbs: []string{"get", "patch"}}},
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: v1alpha1.HubNamespace, Name: name}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &rest.Config{Host: hub.Host, BearerToken: tr.Status.Token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.CAData}}
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// joinApply is what `kubectl import join` sends: a server-side apply of the identity fields
// and the label, plus extra spec fields.
func joinApply(c client.Client, name, clusterID, apiServer string, extra map[string]any) error {
	spec := map[string]any{"clusterID": clusterID, "apiServer": apiServer}
	for k, v := range extra {
		spec[k] = v
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "ImportedCluster",
		"metadata": map[string]any{"name": name, "labels": map[string]any{v1alpha1.ClusterIDLabel: clusterID}},
		"spec":     spec,
	}}
	//lint:ignore SA1019 client.Apply patch type: the typed Client.Apply needs apply configurations; the migration is a follow-up of the controller-runtime 0.25 upgrade
	return c.Patch(context.Background(), u, client.Apply, client.FieldOwner(v1alpha1.JoinFieldManager))
}

func mustRefuse(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("admitted")
	}
	mustContain(t, "refusal", err.Error(), wants...)
	t.Logf("%v", err)
}

// TestTwoStepImport: the webhook's side of `kubectl import create` and `kubectl import join`,
// against the hub's real API server calling the webhook over TLS, with a real ServiceAccount
// token for the join identity.
func TestTwoStepImport(t *testing.T) {
	e := start(t, false) // the test writes status itself, as the reconciler would
	ctx := context.Background()
	admin := e.hub.Client

	if err := admin.Create(ctx, &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "holder", Labels: idLabel("00000000-0000-4000-8000-0000000000ac")},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: "00000000-0000-4000-8000-0000000000ac", APIServer: "https://holder.example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("holder")}},
	}); err != nil {
		t.Fatal(err)
	}
	setStatus(t, e, "holder")

	t.Run("registrations without clusterID and apiServer are accepted, several at once", func(t *testing.T) {
		for _, name := range []string{"waiting-a", "waiting-b", "waiting-c"} {
			if err := admin.Create(ctx, registration(name)); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
		}
	})

	setIdentity := func(name, clusterID string) error {
		patch := `{"metadata":{"labels":{"` + v1alpha1.ClusterIDLabel + `":"` + clusterID + `"}},"spec":{"clusterID":"` + clusterID + `","apiServer":"https://` + name + `.example:6443"}}`
		return admin.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}}, client.RawPatch(types.MergePatchType, []byte(patch)))
	}
	t.Run("setting the clusterID later is checked like a create", func(t *testing.T) {
		mustRefuse(t, setIdentity("waiting-a", "00000000-0000-4000-8000-0000000000ac"), deniedPrefix,
			`spec.clusterID: Invalid value: "00000000-0000-4000-8000-0000000000ac": this cluster is already imported as "holder"`, "`kubectl import delete holder`",
			"or drop this registration with `kubectl import delete waiting-a`")
		if err := setIdentity("waiting-a", "00000000-0000-4000-8000-00000000000a"); err != nil {
			t.Fatalf("fresh clusterID refused: %v", err)
		}
		mustRefuse(t, setIdentity("waiting-a", "00000000-0000-4000-8000-0000000000a2"), "spec.clusterID is immutable once set")
	})

	join := joinClient(t, e.hub.Config, "waiting-b", "waiting-b")
	t.Run("the join token sets clusterID, apiServer and label", func(t *testing.T) {
		err := joinApply(join, "waiting-b", "00000000-0000-4000-8000-0000000000ac", "https://b.example:6443", nil)
		mustRefuse(t, err, deniedPrefix, `this cluster is already imported as "holder"`, "`kubectl import delete waiting-b`")
		if err := joinApply(join, "waiting-b", "00000000-0000-4000-8000-00000000000b", "https://b.example:6443", nil); err != nil {
			t.Fatalf("join: %v", err)
		}
		var ic v1alpha1.ImportedCluster
		if err := join.Get(ctx, client.ObjectKey{Name: "waiting-b"}, &ic); err != nil {
			t.Fatal(err)
		}
		if ic.Spec.ClusterID != "00000000-0000-4000-8000-00000000000b" || ic.Spec.APIServer != "https://b.example:6443" || ic.Labels[v1alpha1.ClusterIDLabel] != "00000000-0000-4000-8000-00000000000b" ||
			ic.Spec.CredentialsSecretRef.Name != "waiting-b-credentials" || ic.Annotations[v1alpha1.JoinExpiresAnnotation] == "" {
			t.Fatalf("stored: %+v", ic)
		}
		if err := joinApply(join, "waiting-b", "00000000-0000-4000-8000-00000000000b", "https://b.example:6443", nil); err != nil {
			t.Fatalf("re-running join with the same values: %v", err)
		}
	})

	t.Run("the join token cannot change anything else", func(t *testing.T) {
		members := []any{map[string]any{"kind": "User", "name": "mallory", "role": "cluster-owner"}}
		err := joinApply(join, "waiting-b", "00000000-0000-4000-8000-00000000000b", "https://b.example:6443", map[string]any{"members": members})
		mustRefuse(t, err, deniedPrefix,
			`spec.members: Forbidden: the join token of "waiting-b" may only set spec.clusterID, spec.apiServer and spec.mode; ask the hub admin to change spec.members`)
		mustContain(t, "plugin message", importer.ExplainAdmission(err).Error(), "(rule Join: join token scope)")
		err = joinApply(join, "waiting-b", "00000000-0000-4000-8000-00000000000b", "https://moved.example:6443", nil)
		mustRefuse(t, err, deniedPrefix, `spec.apiServer: Invalid value: "https://moved.example:6443": the join token of "waiting-b" may set it only once`)
	})

	t.Run("the join token of another cluster is refused even where RBAC allows it", func(t *testing.T) {
		wide := joinClient(t, e.hub.Config, "waiting-x", "waiting-c") // a mistaken grant
		err := joinApply(wide, "waiting-c", "00000000-0000-4000-8000-00000000000c", "https://c.example:6443", nil)
		mustRefuse(t, err, deniedPrefix, `metadata.name: Forbidden: the join token of "waiting-x" may only complete the registration "waiting-x", not "waiting-c"`)
		// And where RBAC does not, the API server refuses before the webhook.
		err = joinApply(join, "waiting-c", "00000000-0000-4000-8000-00000000000c", "https://c.example:6443", nil)
		if err == nil || !strings.Contains(err.Error(), "forbidden") || strings.Contains(err.Error(), deniedPrefix) {
			t.Fatalf("patch of another registration: %v", err)
		}
	})

	t.Run("nothing refused was stored", func(t *testing.T) {
		var list v1alpha1.ImportedClusterList
		if err := admin.List(ctx, &list); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, ic := range list.Items {
			got[ic.Name] = ic.Spec.ClusterID + " " + ic.Spec.APIServer + " " + ic.Labels[v1alpha1.ClusterIDLabel]
			if len(ic.Spec.Members) > 0 {
				t.Errorf("%s has members %v", ic.Name, ic.Spec.Members)
			}
		}
		want := map[string]string{
			"holder":    "00000000-0000-4000-8000-0000000000ac https://holder.example:6443 00000000-0000-4000-8000-0000000000ac",
			"waiting-a": "00000000-0000-4000-8000-00000000000a https://waiting-a.example:6443 00000000-0000-4000-8000-00000000000a",
			"waiting-b": "00000000-0000-4000-8000-00000000000b https://b.example:6443 00000000-0000-4000-8000-00000000000b",
			"waiting-c": "  ",
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: stored %q, want %q", name, got[name], w)
			}
		}
	})
}
