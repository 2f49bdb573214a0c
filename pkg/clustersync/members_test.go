package clustersync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// A member the webhook refuses, stored while it was down, gets no binding, loses one it had,
// and is named in the error; the other members are bound.
func TestApplyMembersSkipsRefusedSubjects(t *testing.T) {
	ctx := context.Background()
	alice := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}
	deployer := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:ci:deployer", Role: v1alpha1.RoleOwner}
	everyone := v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "system:authenticated", Role: v1alpha1.RoleOwner}
	cs := fake.NewClientset(agent.MemberBinding("prod", everyone)) // bound before the rule existed

	err := applyMembers(ctx, cs, "prod", []v1alpha1.Member{alice, everyone, deployer})
	want := `spec.members[1] (Group "system:authenticated") is not bound: Group system:authenticated stands for every authenticated identity of the downstream: ` +
		"giving it cluster-owner makes everyone cluster-admin; name the users or groups that need access; remove them with `kubectl import members prod --remove KIND:NAME`"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
	list, lerr := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if lerr != nil {
		t.Fatal(lerr)
	}
	var subjects []string
	for _, b := range list.Items {
		for _, s := range b.Subjects {
			subjects = append(subjects, s.Kind+":"+s.Name+"="+b.RoleRef.Name)
		}
	}
	slices.Sort(subjects)
	if w := []string{"User:alice=cluster-admin", "User:kimport:hub:system:serviceaccount:ci:deployer=cluster-admin", "User:system:serviceaccount:ci:deployer=cluster-admin"}; !slices.Equal(subjects, w) {
		t.Errorf("bindings for %q, want %q", subjects, w)
	}

	// However many are refused, the condition message stays short.
	var many []v1alpha1.Member
	for i := range 256 {
		many = append(many, v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: fmt.Sprintf("system:serviceaccounts:ns-%d", i), Role: v1alpha1.RoleOwner})
	}
	err = applyMembers(ctx, cs, "prod", many)
	if err == nil || len(err.Error()) > 2048 || !strings.Contains(err.Error(), "; 253 more; remove them") {
		t.Errorf("error for 256 refused members (%d bytes): %v", len(err.Error()), err)
	}
	if list, _ := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("%d bindings left, want none", len(list.Items))
	}
}

// The impersonator's ClusterRole follows the members, written only when it changes; an
// import made before the gateway (no such ClusterRole) is left as it is.
func TestApplyMembersKeepsTheImpersonatorInStep(t *testing.T) {
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.ImpersonatorClusterRole}}
	cs := fake.NewClientset(role)
	alice := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}
	sre := v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleMember}
	rules := func() []rbacv1.PolicyRule {
		got, err := cs.RbacV1().ClusterRoles().Get(ctx, v1alpha1.ImpersonatorClusterRole, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got.Rules
	}
	updates := func() int {
		n := 0
		for _, a := range cs.Actions() {
			if a.GetVerb() == "update" && a.GetResource().Resource == "clusterroles" {
				n++
			}
		}
		return n
	}
	for i, members := range [][]v1alpha1.Member{{alice}, {alice}, {alice, sre}, nil} {
		if err := applyMembers(ctx, cs, "prod", members); err != nil {
			t.Fatal(err)
		}
		if got, want := rules(), agent.ImpersonatorRules(members); !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("step %d: rules %+v, want %+v", i, got, want)
		}
	}
	if n := updates(); n != 3 {
		t.Errorf("%d updates of the ClusterRole for 3 changes", n)
	}

	old := fake.NewClientset()
	if err := applyMembers(ctx, old, "prod", []v1alpha1.Member{alice}); err != nil {
		t.Errorf("an import without the impersonator: %v", err)
	}
}
