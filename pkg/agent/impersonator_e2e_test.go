package agent_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// impersonator: the agent keeps the impersonator's ClusterRole in step with the members and
// mints its tokens; the fence keeps both to what the gateway needs, and the impersonator can
// act as the members it names and no one else.
func (f *fenced) impersonator(t *testing.T) {
	ctx := context.Background()
	roles := f.as.RbacV1().ClusterRoles()
	members := []v1alpha1.Member{
		{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleMember},
		{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleOwner},
		{Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:ci:deployer", Role: v1alpha1.RoleMember},
	}
	current := func() *rbacv1.ClusterRole {
		t.Helper()
		var cr rbacv1.ClusterRole
		if err := f.admin.Get(ctx, client.ObjectKey{Name: v1alpha1.ImpersonatorClusterRole}, &cr); err != nil {
			t.Fatal(err)
		}
		return &cr
	}
	update := func(change func(*rbacv1.ClusterRole)) error {
		cr := current()
		change(cr)
		_, err := roles.Update(ctx, cr, metav1.UpdateOptions{})
		return err
	}
	// What the synchronisation does: the rules of the members.
	allowed(t, "setting the members' rules", update(func(cr *rbacv1.ClusterRole) { cr.Rules = agent.ImpersonatorRules(members) }))
	want := current().DeepCopy()
	if !equality.Semantic.DeepEqual(want.Rules, agent.ImpersonatorRules(members)) {
		t.Fatalf("stored rules %+v", want.Rules)
	}

	impersonate := func(resource string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{resource}, Verbs: []string{"impersonate"}, ResourceNames: names}
	}
	add := func(r rbacv1.PolicyRule) func(*rbacv1.ClusterRole) {
		return func(cr *rbacv1.ClusterRole) { cr.Rules = append(cr.Rules, r) }
	}
	for _, tc := range []struct {
		what   string
		change func(*rbacv1.ClusterRole)
	}{
		{"impersonating group system:masters", add(impersonate("groups", "system:masters"))},
		{"impersonating user system:admin", add(impersonate("users", "system:admin"))},
		{"impersonating a ServiceAccount by its user name", add(impersonate("users", "system:serviceaccount:kube-system:default"))},
		{"impersonating any user (no resourceNames)", add(impersonate("users"))},
		{"impersonating any group (no resourceNames)", add(impersonate("groups"))},
		{"impersonating serviceaccounts", add(impersonate("serviceaccounts", "default"))},
		{"impersonating uids", add(rbacv1.PolicyRule{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"uids"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"0"}})},
		{"impersonating another user extra", add(rbacv1.PolicyRule{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"userextras/scopes"}, Verbs: []string{"impersonate"}})},
		{"reading secrets", add(rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}})},
		{"a second verb", add(rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate", "get"}, ResourceNames: []string{"bob"}})},
		{"a non-resource URL", add(rbacv1.PolicyRule{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"impersonate"}})},
		{"an aggregation rule", func(cr *rbacv1.ClusterRole) {
			cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}}}
		}},
		{"aggregating into view (a label)", func(cr *rbacv1.ClusterRole) { cr.Labels["rbac.authorization.k8s.io/aggregate-to-view"] = "true" }},
		{"dropping its owner (a disconnect would leave it)", func(cr *rbacv1.ClusterRole) { cr.OwnerReferences = nil }},
	} {
		refused(t, tc.what, update(tc.change))
	}
	if got := current(); !equality.Semantic.DeepEqual(got.Rules, want.Rules) || !equality.Semantic.DeepEqual(got.Labels, want.Labels) ||
		got.AggregationRule != nil || len(got.OwnerReferences) != 1 {
		t.Errorf("the impersonator's ClusterRole changed: %+v", got)
	}
	// Members removed (a disconnect removes them all): no rules, as the sync writes it and as
	// a null list.
	for _, rules := range [][]rbacv1.PolicyRule{{}, nil} {
		allowed(t, fmt.Sprintf("emptying the rules (%#v)", rules), update(func(cr *rbacv1.ClusterRole) { cr.Rules = rules }))
		if got := current(); len(got.Rules) != 0 {
			t.Errorf("rules %+v after emptying them", got.Rules)
		}
	}
	allowed(t, "setting the members' rules again", update(func(cr *rbacv1.ClusterRole) { cr.Rules = agent.ImpersonatorRules(members) }))
	// A re-run of the import keeps the rules the synchronisation set.
	if _, err := importer.ApplyDownstream(ctx, f.admin, f.req, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := current(); !equality.Semantic.DeepEqual(got.Rules, want.Rules) {
		t.Errorf("the import's re-run changed the impersonator's rules to %+v", got.Rules)
	}
	// Other ClusterRoles: RBAC names the impersonator's alone.
	if _, err := roles.Get(ctx, "view", metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("reading ClusterRole view: %v, want Forbidden", err)
	}
	_, err := roles.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "by-agent"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("creating a ClusterRole: %v, want Forbidden", err)
	}
	if err := roles.Delete(ctx, v1alpha1.ImpersonatorClusterRole, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("deleting the impersonator's ClusterRole: %v, want Forbidden", err)
	}

	// Tokens: short, of the impersonator or the agent only.
	sas := f.as.CoreV1().ServiceAccounts(v1alpha1.AgentNamespace)
	request := func(seconds int64) *authenticationv1.TokenRequest {
		return &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(seconds)}}
	}
	_, err = sas.CreateToken(ctx, v1alpha1.ImpersonatorServiceAccount, request(7200), metav1.CreateOptions{})
	refused(t, "an impersonator token of two hours", err)
	if _, err := f.as.CoreV1().ServiceAccounts("kube-system").CreateToken(ctx, "default", request(600), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("a token of kube-system/default: %v, want Forbidden", err)
	}
	tr, err := sas.CreateToken(ctx, v1alpha1.ImpersonatorServiceAccount, agent.TokenRequest(agent.ImpersonatorTokenLifetime), metav1.CreateOptions{})
	allowed(t, "an impersonator token", err)
	if err != nil {
		return
	}

	// The impersonator acts as the members, as the gateway names them, and as no one else.
	as := func(user string, groups ...string) error {
		cfg := &rest.Config{Host: f.adminConfig.Host, BearerToken: tr.Status.Token, TLSClientConfig: rest.TLSClientConfig{CAData: f.adminConfig.CAData},
			Impersonate: rest.ImpersonationConfig{UserName: user, Groups: groups, Extra: map[string][]string{gatewayapi.HubUserExtra: {"someone"}}}}
		_, err := kubernetes.NewForConfigOrDie(cfg).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	}
	for _, id := range [][]string{{"alice"}, {gatewayapi.GroupMemberUser, "sre"}, {gatewayapi.HubServiceAccountPrefix + "system:serviceaccount:ci:deployer"}} {
		if err := as(id[0], id[1:]...); err != nil {
			t.Errorf("impersonating %v: %v", id, err)
		}
	}
	for _, id := range [][]string{{"admin"}, {"alice", "system:masters"}, {"system:serviceaccount:ci:deployer"}, {gatewayapi.GroupMemberUser, "dev"}} {
		if err := as(id[0], id[1:]...); !apierrors.IsForbidden(err) {
			t.Errorf("impersonating %v: %v, want Forbidden", id, err)
		}
	}
}
