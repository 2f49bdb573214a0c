package admission_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// TestProjectsAttacks tries, through the hub's real API server calling the real webhook, the
// project writes that would give someone more than the rules allow: a project member that
// stands for everyone, a reserved gateway identity, a namespace in two projects (one
// project's members reaching another's namespace), a built-in namespace taken into a user
// project (kube-system's rights through a project), project-member or project-owner of System
// for someone who is not a cluster-owner (also by removing the cluster-owner afterwards),
// more bindings than a cluster may have. Each is refused with typed causes naming the field
// and the rule, and the stored record is unchanged; the valid writes next to them pass.
func TestProjectsAttacks(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	admin := e.hub.Client
	prod := &v1alpha1.ImportedCluster{
		// The Identity rule requires the cluster-id label with a clusterID.
		ObjectMeta: metav1.ObjectMeta{Name: "prod", Labels: map[string]string{v1alpha1.ClusterIDLabel: clusterIDFor("prod")}},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: clusterIDFor("prod"), APIServer: "https://prod.example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("prod")},
			Members: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner},
				{Kind: v1alpha1.MemberUser, Name: "carol", Role: v1alpha1.RoleMember}},
			Projects: []v1alpha1.ProjectSpec{
				{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a-prod", "a-dev"},
					Members: []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberUser, Name: "dev", Role: v1alpha1.RoleProjectMember}}},
				{Name: "team-b", Namespaces: []v1alpha1.NamespaceName{"b-prod"}},
				{Name: "System", Members: []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleProjectOwner},
					{Kind: v1alpha1.MemberGroup, Name: "auditors", Role: v1alpha1.RoleReadOnly}}},
			}},
	}
	if err := admin.Create(ctx, prod.DeepCopy()); err != nil {
		t.Fatalf("the valid projects were refused: %v", err)
	}
	stored := func(t *testing.T) *v1alpha1.ImportedCluster {
		t.Helper()
		var ic v1alpha1.ImportedCluster
		if err := admin.Get(ctx, client.ObjectKey{Name: "prod"}, &ic); err != nil {
			t.Fatal(err)
		}
		return &ic
	}
	before := stored(t)
	patch := func(spec map[string]any) error {
		b, err := json.Marshal(map[string]any{"spec": spec})
		if err != nil {
			t.Fatal(err)
		}
		return admin.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"}}, client.RawPatch(types.MergePatchType, b))
	}
	projects := func(edit func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec) map[string]any {
		return map[string]any{"projects": edit(slices.Clone(before.DeepCopy().Spec.Projects))}
	}
	member := func(kind v1alpha1.MemberKind, name string, role v1alpha1.ProjectRole) v1alpha1.ProjectMember {
		return v1alpha1.ProjectMember{Kind: kind, Name: name, Role: role}
	}
	refusedBy := func(t *testing.T, err error, rule validate.Rule, field, says string) {
		t.Helper()
		if err == nil {
			t.Fatal("admitted")
		}
		var status apierrors.APIStatus
		if !errors.As(err, &status) || status.Status().Details == nil {
			t.Fatalf("no Status details in %v", err)
		}
		found := false
		for _, c := range status.Status().Details.Causes {
			if c.Type == rule.CauseType() && c.Field == field && strings.Contains(c.Message, says) {
				found = true
			}
		}
		if !found {
			t.Errorf("no cause %s at %s saying %q in %+v", rule.CauseType(), field, says, status.Status().Details.Causes)
		}
		var refusal *importer.Refusal
		if explained := importer.ExplainAdmission(err); !errors.As(explained, &refusal) || !slices.Contains(refusal.Rules, rule) {
			t.Errorf("ExplainAdmission = %v, want a refusal by %s", explained, rule)
		}
		if now := stored(t); !reflect.DeepEqual(now.Spec, before.Spec) || now.ResourceVersion != before.ResourceVersion {
			t.Errorf("the refused write changed the record: spec %+v", now.Spec)
		}
	}

	for _, tc := range []struct {
		name        string
		spec        map[string]any
		field, says string
		rule        validate.Rule
	}{
		{"a project member that stands for everyone", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[0].Members = append(p[0].Members, member(v1alpha1.MemberGroup, "system:authenticated", v1alpha1.RoleReadOnly))
			return p
		}), "spec.projects[0].members[1].name", "stands for every authenticated identity of the downstream", validate.RuleProjects},
		{"a project member named as a gateway identity", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[1].Members = append(p[1].Members, member(v1alpha1.MemberUser, "kimport:hub:system:serviceaccount:ci:deployer", v1alpha1.RoleProjectOwner))
			return p
		}), "spec.projects[1].members[0].name", "reserved for the identities the hub gateway acts as", validate.RuleProjects},
		{"a cluster member named as a gateway identity", map[string]any{"members": append(slices.Clone(before.Spec.Members),
			v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "kimport:hub:system:serviceaccount:ci:deployer", Role: v1alpha1.RoleMember})},
			"spec.members[2].name", "reserved for the identities the hub gateway acts as", validate.RuleMembers},
		{"team-b taking team-a's namespace", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[1].Namespaces = append(p[1].Namespaces, "a-prod")
			return p
		}), "spec.projects[1].namespaces[1]", "namespace a-prod is in project team-a already", validate.RuleProjects},
		{"a user project taking kube-system", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[0].Namespaces = append(p[0].Namespaces, "kube-system")
			return p
		}), "spec.projects[0].namespaces[2]", "namespace kube-system always belongs to project System", validate.RuleProjects},
		{"project-member of System for a cluster-member", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[2].Members = append(p[2].Members, member(v1alpha1.MemberUser, "carol", v1alpha1.RoleProjectMember))
			return p
		}), "spec.projects[2].members[2].role", "rights in kube-system are cluster rights", validate.RuleProjects},
		{"project-owner of System for a stranger", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[2].Members = append(p[2].Members, member(v1alpha1.MemberUser, "mallory", v1alpha1.RoleProjectOwner))
			return p
		}), "spec.projects[2].members[2].role", "User mallory is not a cluster-owner", validate.RuleProjects},
		{"removing the cluster-owner a System project-owner relies on", map[string]any{"members": before.Spec.Members[1:]},
			"spec.projects[2].members[0].role", "User alice is not a cluster-owner", validate.RuleProjects},
		{"a project named as the System label", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			return append(p, v1alpha1.ProjectSpec{Name: "system", Namespaces: []v1alpha1.NamespaceName{"kube-node-lease"}})
		}), "spec.projects[3].name", "system is how namespaces of project System are labelled", validate.RuleProjects},
		{"more bindings than a cluster may have", projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			big := v1alpha1.ProjectSpec{Name: "big"}
			for i := range 101 {
				big.Namespaces = append(big.Namespaces, v1alpha1.NamespaceName(fmt.Sprint("big-", i)))
			}
			for i := range 10 {
				big.Members = append(big.Members, member(v1alpha1.MemberUser, fmt.Sprint("user-", i), v1alpha1.RoleReadOnly))
			}
			return append(p, big)
		}), "spec.projects", "more than the 1000 a cluster may have", validate.RuleProjects},
	} {
		t.Run(tc.name, func(t *testing.T) { refusedBy(t, patch(tc.spec), tc.rule, tc.field, tc.says) })
	}

	t.Run("the CRD refuses a project name that is no DNS label before the webhook", func(t *testing.T) {
		err := patch(projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			return append(p, v1alpha1.ProjectSpec{Name: "Team_C"})
		}))
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.projects[3].name") {
			t.Errorf("got %v, want the schema's refusal of spec.projects[3].name", err)
		}
		if now := stored(t); now.ResourceVersion != before.ResourceVersion {
			t.Error("the refused write changed the record")
		}
	})

	t.Run("valid: a namespace moved between projects in one write, a read-only member of System", func(t *testing.T) {
		err := patch(projects(func(p []v1alpha1.ProjectSpec) []v1alpha1.ProjectSpec {
			p[0].Namespaces = []v1alpha1.NamespaceName{"a-prod"}
			p[1].Namespaces = append(p[1].Namespaces, "a-dev")
			p[2].Members = append(p[2].Members, member(v1alpha1.MemberUser, "carol", v1alpha1.RoleReadOnly))
			return p
		}))
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		now := stored(t)
		if !slices.Equal(now.Spec.Projects[1].Namespaces, []v1alpha1.NamespaceName{"b-prod", "a-dev"}) || len(now.Spec.Projects[2].Members) != 3 {
			t.Errorf("spec.projects = %+v", now.Spec.Projects)
		}
	})
}
