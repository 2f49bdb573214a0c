package admission_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// TestExplainAdmissionNamesEachRule provokes every rule through the hub's real API server
// calling the webhook, and checks the answer's structure: a Status (Invalid, or Forbidden for
// who writes) whose details.causes carry the refused field paths with the rule as their type,
// from which the plugin's ExplainAdmission names the rule, whatever the message says.
func TestExplainAdmissionNamesEachRule(t *testing.T) {
	e := start(t, false) // the test writes status itself, as the reconciler would
	ctx := context.Background()
	admin := e.hub.Client
	cluster := func(name, clusterID string) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: idLabel(clusterID)},
			Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterID, APIServer: "https://" + name + ".example:6443",
				CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}},
		}
	}
	if err := admin.Create(ctx, cluster("prod", "00000000-0000-4000-8000-0000000000d0")); err != nil {
		t.Fatal(err)
	}
	setStatus(t, e, "prod") // Active, 3 embedded-etcd servers
	if err := admin.Create(ctx, registration("waiting")); err != nil {
		t.Fatal(err)
	}
	join := joinClient(t, e.hub.Config, "waiting", "waiting")
	prod := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"}}
	mergePatch := func(patch string) client.Patch { return client.RawPatch(types.MergePatchType, []byte(patch)) }

	check := func(t *testing.T, err error, rule validate.Rule, fields ...string) {
		t.Helper()
		if err == nil {
			t.Fatal("admitted")
		}
		t.Logf("%v", err)
		var status apierrors.APIStatus
		if !errors.As(err, &status) || status.Status().Details == nil {
			t.Fatalf("no Status details in %v", err)
		}
		st := status.Status()
		wantReason := metav1.StatusReasonInvalid
		if rule == validate.RuleJoin || rule == validate.RuleAgent || rule == validate.RuleStatusWrite || rule == validate.RuleHubMetadata {
			wantReason = metav1.StatusReasonForbidden
		}
		if st.Reason != wantReason {
			t.Errorf("reason %s, want %s", st.Reason, wantReason)
		}
		var got []string
		for _, c := range st.Details.Causes {
			if c.Type != rule.CauseType() {
				t.Errorf("cause %+v: type %s, want %s", c, c.Type, rule.CauseType())
			}
			got = append(got, c.Field)
		}
		if !slices.Equal(got, fields) {
			t.Errorf("causes name %q, want %q", got, fields)
		}
		var refusal *importer.Refusal
		explained := importer.ExplainAdmission(err)
		if !errors.As(explained, &refusal) || !slices.Equal(refusal.Rules, []validate.Rule{rule}) {
			t.Fatalf("ExplainAdmission = %v, want a refusal by %s alone", explained, rule)
		}
		if !slices.Equal(refusal.Fields[rule], fields) {
			t.Errorf("ExplainAdmission's fields %q, want %q", refusal.Fields[rule], fields)
		}
		mustContain(t, "plugin message", explained.Error(), "(rule "+string(rule)+": "+rule.Description()+")")
	}

	t.Run("identity: a second registration of a cluster", func(t *testing.T) {
		check(t, admin.Create(ctx, cluster("again", "00000000-0000-4000-8000-0000000000d0")), validate.RuleIdentity, "spec.clusterID")
	})
	t.Run("identity: re-pointing an Active cluster", func(t *testing.T) {
		check(t, admin.Patch(ctx, prod.DeepCopy(), mergePatch(`{"spec":{"apiServer":"https://elsewhere.example:6443"}}`)),
			validate.RuleIdentity, "spec.apiServer")
	})
	t.Run("capabilities", func(t *testing.T) {
		caps := cluster("caps", "00000000-0000-4000-8000-0000000000ca")
		caps.Annotations = map[string]string{v1alpha1.CapabilityPrefix + "noSuchCapability": "true"}
		check(t, admin.Create(ctx, caps), validate.RuleCapabilities, "metadata.annotations[capabilities/noSuchCapability]")
	})
	t.Run("upgrade", func(t *testing.T) {
		check(t, admin.Patch(ctx, prod.DeepCopy(), mergePatch(`{"spec":{"k3s":{"upgradeStrategy":{"serverConcurrency":2}}}}`)),
			validate.RuleUpgrade, "spec.k3s.upgradeStrategy.serverConcurrency")
	})
	t.Run("members", func(t *testing.T) {
		everyone := cluster("everyone", "00000000-0000-4000-8000-0000000000ee")
		everyone.Spec.Members = []v1alpha1.Member{{Kind: v1alpha1.MemberGroup, Name: "system:authenticated", Role: v1alpha1.RoleMember}}
		check(t, admin.Create(ctx, everyone), validate.RuleMembers, "spec.members[0].name")
	})
	t.Run("projects", func(t *testing.T) {
		twice := cluster("twice", "00000000-0000-4000-8000-0000000000e2")
		twice.Spec.Projects = []v1alpha1.ProjectSpec{{Name: "a", Namespaces: []v1alpha1.NamespaceName{"shared"}}, {Name: "b", Namespaces: []v1alpha1.NamespaceName{"shared"}}}
		check(t, admin.Create(ctx, twice), validate.RuleProjects, "spec.projects[1].namespaces[0]")
	})
	t.Run("join token scope", func(t *testing.T) {
		members := []any{map[string]any{"kind": "User", "name": "mallory", "role": "cluster-owner"}}
		check(t, joinApply(join, "waiting", "00000000-0000-4000-8000-0000000000a1", "https://waiting.example:6443", map[string]any{"members": members}),
			validate.RuleJoin, "spec.members")
	})
	t.Run("agent", func(t *testing.T) {
		// An agent given more than agent.HubIdentity grants (update of its ImportedCluster,
		// by mistake) reaches the webhook, which refuses it all the same.
		user := v1alpha1.AgentUsername("prod")
		for _, obj := range []client.Object{
			&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "too-much-for-the-agent"}, Rules: []rbacv1.PolicyRule{{
				APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters"}, Verbs: []string{"get", "patch"}}}},
			&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "too-much-for-the-agent"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: user, APIGroup: rbacv1.GroupName}},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "too-much-for-the-agent"}},
		} {
			if err := admin.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
		cfg, _ := e.hub.AddUser(t, user, nil)
		agentClient, err := client.New(cfg, client.Options{Scheme: admin.Scheme()})
		if err != nil {
			t.Fatal(err)
		}
		check(t, agentClient.Patch(ctx, prod.DeepCopy(), mergePatch(`{"spec":{"displayName":"Prod"}}`)), validate.RuleAgent, "metadata.name")
	})
	t.Run("hub metadata", func(t *testing.T) {
		check(t, admin.Patch(ctx, prod.DeepCopy(), mergePatch(`{"metadata":{"annotations":{"`+v1alpha1.JoinExpiresAnnotation+`":"2031-01-01T00:00:00Z"}}}`)),
			validate.RuleHubMetadata, "metadata.annotations["+v1alpha1.JoinExpiresAnnotation+"]")
	})
	t.Run("status writer", func(t *testing.T) {
		check(t, admin.Status().Patch(ctx, prod.DeepCopy(), mergePatch(`{"status":{"nodes":{"etcd":9}}}`)),
			validate.RuleStatusWrite, "status")
	})
	// Last: the CRD's own rule refuses first, so the test removes it to reach the webhook.
	t.Run("credentials", func(t *testing.T) {
		setCredentialsRule(t, e, nil)
		thief := cluster("thief", "00000000-0000-4000-8000-0000000000ff")
		thief.Spec.CredentialsSecretRef.Name = "kimport-webhook-tls"
		check(t, admin.Create(ctx, thief), validate.RuleCredentials, "spec.credentialsSecretRef.name")
	})
}
