package clustersync

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestLeftBehindNamesEverything(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{
		Spec: v1alpha1.ImportedClusterSpec{Members: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "a", Role: v1alpha1.RoleOwner}}},
		Status: v1alpha1.ImportedClusterStatus{Projects: []v1alpha1.Project{
			{Name: "Default", Namespaces: []string{"default"}}, {Name: "System", Namespaces: []string{"kube-system"}}}},
	}
	want := "ClusterRoleBindings kimport-member-" // followed by the member's hash
	got := LeftBehind(ic)
	for _, part := range []string{want, "label kimport.dev/project on namespaces default, kube-system",
		"ClusterRole kimport-agent and what it owns", "ConfigMap kimport-registration in cattle-system"} {
		if !strings.Contains(got, part) {
			t.Errorf("LeftBehind() = %q, want it to contain %q", got, part)
		}
	}
}

func TestLeftBehindNamesProjectBindings(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec: v1alpha1.ImportedClusterSpec{Projects: []v1alpha1.ProjectSpec{{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a"},
			Members: []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberUser, Name: "dev", Role: v1alpha1.RoleProjectMember}}}}},
		Status: v1alpha1.ImportedClusterStatus{Projects: []v1alpha1.Project{{Name: "team-a", Namespaces: []string{"a"}}}},
	}
	got := LeftBehind(ic)
	for _, part := range []string{"RoleBindings of project members in the projects' namespaces (kubectl delete rolebindings -A -l " +
		"app.kubernetes.io/managed-by=kubectl-import,kimport.dev/cluster=prod,kimport.dev/project-member=true)",
		"label kimport.dev/project on namespaces a (and kimport.dev/project-assigned on those the projects list)"} {
		if !strings.Contains(got, part) {
			t.Errorf("LeftBehind() = %q, want it to contain %q", got, part)
		}
	}
}
