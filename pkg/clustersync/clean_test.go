package clustersync

import (
	"strings"
	"testing"

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
