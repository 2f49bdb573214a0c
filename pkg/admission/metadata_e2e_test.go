package admission_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// TestHubMetadataAttacks: a team member with an edit role on ImportedClusters (every verb on
// them, nothing in kimport-system) tries, through the hub's real API server and the real
// webhook (the hub component as its own ServiceAccount), to change what the hub acts on: cut
// a disconnect short or prepare one that skips the cleanup (the finalizer), turn its update
// right into a delete right (an owner), steer the join machinery (the hub annotations). Each
// is refused as HubMetadata (Forbidden) and the stored object is unchanged. The hub's flows
// still work: create with the annotations, --rotate-token while waiting for join, --force
// once the hub reports it cannot clean, and the hub component's own writes.
func TestHubMetadataAttacks(t *testing.T) {
	e := start(t, false) // the test plays the reconciler through e.server.Client (the hub identity)
	ctx := context.Background()
	admin, hubComponent := e.hub.Client, e.server.Client
	team := teamMember(t, e)

	prod := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "prod", Finalizers: []string{v1alpha1.Finalizer}, Labels: idLabel(clusterIDFor("prod"))},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterIDFor("prod"), APIServer: "https://prod.example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("prod")}},
	}
	must(t, admin.Create(ctx, prod))
	setStatus(t, e, "prod") // Active
	bait := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "bait", Labels: idLabel(clusterIDFor("bait"))},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterIDFor("bait"), APIServer: "https://bait.example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("bait")}},
	}
	must(t, team.Create(ctx, bait))
	patch := func(c client.Client, name, body string) error {
		return c.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}}, client.RawPatch(types.MergePatchType, []byte(body)))
	}
	get := func(name string) *v1alpha1.ImportedCluster {
		t.Helper()
		var ic v1alpha1.ImportedCluster
		must(t, admin.Get(ctx, client.ObjectKey{Name: name}, &ic))
		return &ic
	}
	refusedAs := func(t *testing.T, what string, err error, field string) {
		t.Helper()
		var status apierrors.APIStatus
		if err == nil || !errors.As(err, &status) || status.Status().Reason != metav1.StatusReasonForbidden || status.Status().Details == nil {
			t.Fatalf("%s: got %v, want Forbidden by the webhook", what, err)
		}
		causes := status.Status().Details.Causes
		if len(causes) != 1 || causes[0].Type != validate.RuleHubMetadata.CauseType() || causes[0].Field != field {
			t.Errorf("%s: causes %+v, want one %s on %s", what, causes, validate.RuleHubMetadata.CauseType(), field)
		}
		t.Logf("%s: %v", what, err)
	}
	unchanged := func(t *testing.T, before *v1alpha1.ImportedCluster) {
		t.Helper()
		now := get(before.Name)
		if !slices.Equal(now.Finalizers, before.Finalizers) || len(now.OwnerReferences) != len(before.OwnerReferences) ||
			!maps.Equal(now.Annotations, before.Annotations) || now.DeletionTimestamp.IsZero() != before.DeletionTimestamp.IsZero() {
			t.Errorf("%s changed: finalizers %v, owners %v, annotations %v", before.Name, now.Finalizers, now.OwnerReferences, now.Annotations)
		}
	}

	t.Run("removing the finalizer of an Active cluster, then deleting it", func(t *testing.T) {
		before := get("prod")
		refusedAs(t, "removing the finalizer", patch(team, "prod", `{"metadata":{"finalizers":null}}`), "metadata.finalizers")
		unchanged(t, before)
	})
	t.Run("owning an Active cluster by a record the team member may delete", func(t *testing.T) {
		before := get("prod")
		b := get("bait")
		owner := `{"metadata":{"ownerReferences":[{"apiVersion":"kimport.dev/v1alpha1","kind":"ImportedCluster","name":"bait","uid":"` + string(b.UID) + `"}]}}`
		refusedAs(t, "adding an owner", patch(team, "prod", owner), "metadata.ownerReferences")
		unchanged(t, before)
		owned := bait.DeepCopy()
		owned.ResourceVersion, owned.Name = "", "owned"
		owned.Spec.ClusterID, owned.Spec.CredentialsSecretRef.Name = clusterIDFor("owned"), v1alpha1.CredentialsSecretName("owned")
		owned.Labels = idLabel(owned.Spec.ClusterID)
		owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "kimport.dev/v1alpha1", Kind: "ImportedCluster", Name: "bait", UID: b.UID}}
		refusedAs(t, "creating a record with an owner", team.Create(ctx, owned), "metadata.ownerReferences")
		mustNotExist(t, admin, "owned")
	})
	t.Run("extending or re-pointing the join of an Active cluster", func(t *testing.T) {
		before := get("prod")
		refusedAs(t, "setting join-expires-at", patch(team, "prod", `{"metadata":{"annotations":{"`+v1alpha1.JoinExpiresAnnotation+`":"2031-01-01T00:00:00Z"}}}`),
			"metadata.annotations["+v1alpha1.JoinExpiresAnnotation+"]")
		refusedAs(t, "setting hub-id", patch(team, "prod", `{"metadata":{"annotations":{"`+v1alpha1.HubIDAnnotation+`":"evil"}}}`),
			"metadata.annotations["+v1alpha1.HubIDAnnotation+"]")
		unchanged(t, before)
	})
	t.Run("an unrelated annotation is anyone's", func(t *testing.T) {
		must(t, patch(team, "prod", `{"metadata":{"annotations":{"team":"edge"}}}`))
	})

	t.Run("a registration waiting for join: create sets the annotations, --rotate-token rewrites the expiry", func(t *testing.T) {
		waiting := registration("waiting") // as `kubectl import create` registers it
		waiting.Annotations[v1alpha1.HubIDAnnotation] = clusterIDFor("hub")
		waiting.Annotations[v1alpha1.AgentBootstrapAnnotation] = "0f00d000-0000-4000-8000-000000000001"
		waiting.Finalizers = []string{v1alpha1.Finalizer}
		must(t, team.Create(ctx, waiting))
		must(t, patch(team, "waiting", `{"metadata":{"annotations":{"`+v1alpha1.JoinExpiresAnnotation+`":"2031-01-01T00:00:00Z"}}}`))
		if got := get("waiting").Annotations[v1alpha1.JoinExpiresAnnotation]; got != "2031-01-01T00:00:00Z" {
			t.Errorf("join-expires-at %q after the rotation", got)
		}
		// The hub component removes the expiry once the credentials are handed over.
		must(t, patch(hubComponent, "waiting", `{"metadata":{"annotations":{"`+v1alpha1.JoinExpiresAnnotation+`":null}}}`))
	})

	t.Run("cutting a disconnect short before the hub has tried; delete --force once it reports it cannot", func(t *testing.T) {
		must(t, team.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"}}))
		before := get("prod")
		refusedAs(t, "removing the finalizer while the hub cleans", patch(team, "prod", `{"metadata":{"finalizers":null}}`), "metadata.finalizers")
		unchanged(t, before)

		// What the reconciler records when the downstream cannot be reached.
		ic := get("prod")
		meta.SetStatusCondition(&ic.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDownstreamRemoved, Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonRetrying, Message: "cannot reach the downstream"})
		must(t, hubComponent.Status().Update(ctx, ic))
		must(t, patch(team, "prod", `{"metadata":{"finalizers":null}}`)) // what `delete --force` does
		mustNotExist(t, admin, "prod")
	})

	// A hub admin (cluster-admin, so update on importedclusters/finalizers) whose hub component
	// is down cannot wait for its report: the RBAC right lets the removal through, with a
	// warning; the team member, whose role lists importedclusters only, is still refused.
	t.Run("a hub admin forces a disconnect the hub has not reported on", func(t *testing.T) {
		stuck := bait.DeepCopy()
		stuck.ResourceVersion, stuck.Name, stuck.Finalizers = "", "stuck", []string{v1alpha1.Finalizer}
		stuck.Spec.ClusterID, stuck.Spec.CredentialsSecretRef.Name = clusterIDFor("stuck"), v1alpha1.CredentialsSecretName("stuck")
		stuck.Labels = idLabel(stuck.Spec.ClusterID)
		must(t, admin.Create(ctx, stuck))
		must(t, admin.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "stuck"}}))
		before := get("stuck")
		refusedAs(t, "the team member removing the finalizer", patch(team, "stuck", `{"metadata":{"finalizers":null}}`), "metadata.finalizers")
		unchanged(t, before)
		warnings := &warningRecorder{}
		cfg := rest.CopyConfig(e.hub.Config)
		cfg.WarningHandler = warnings
		forcing, err := client.New(cfg, client.Options{Scheme: admin.Scheme()})
		must(t, err)
		must(t, patch(forcing, "stuck", `{"metadata":{"finalizers":null}}`))
		mustNotExist(t, admin, "stuck")
		if !warnings.contains("kimport.dev/cleanup removed by") {
			t.Errorf("no warning that the cleanup was skipped: %q", warnings.got)
		}
	})
}

// warningRecorder keeps the admission warnings a client received.
type warningRecorder struct {
	mu  sync.Mutex
	got []string
}

func (w *warningRecorder) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, text)
}

func (w *warningRecorder) contains(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.ContainsFunc(w.got, func(g string) bool { return strings.Contains(g, s) })
}

// teamMember is a hub user with every verb on ImportedClusters and nothing else: a team
// given an edit role on them.
func teamMember(t *testing.T, e *env) client.Client {
	t.Helper()
	const user = "alice@example.com"
	for _, obj := range []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "importedclusters-editor"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "importedclusters-editor"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: user, APIGroup: rbacv1.GroupName}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "importedclusters-editor"}},
	} {
		must(t, e.hub.Client.Create(context.Background(), obj))
	}
	cfg, _ := e.hub.AddUser(t, user, nil)
	c, err := client.New(cfg, client.Options{Scheme: e.hub.Client.Scheme()})
	must(t, err)
	return c
}
