package deletecmd

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// What a forced delete says may be left behind names the project members' RoleBindings and
// both project labels.
func TestLeftBehindNamesProjects(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(common.NewFactory(), streams)
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec: v1alpha1.ImportedClusterSpec{Projects: []v1alpha1.ProjectSpec{{Name: "team-a", Namespaces: []v1alpha1.NamespaceName{"a"},
			Members: []v1alpha1.ProjectMember{{Kind: v1alpha1.MemberUser, Name: "dev", Role: v1alpha1.RoleProjectMember}}}}},
		Status: v1alpha1.ImportedClusterStatus{Projects: []v1alpha1.Project{{Name: "Default", Namespaces: []string{"default"}}, {Name: "team-a", Namespaces: []string{"a"}}}},
	}
	o.printLeftBehind(ic, nil)
	for _, want := range []string{
		"  rolebindings -A -l app.kubernetes.io/managed-by=kubectl-import,kimport.dev/cluster=prod,kimport.dev/project-member=true (project members)\n",
		"  label kimport.dev/project on namespaces default, a\n",
		"  label kimport.dev/project-assigned on the namespaces the projects list\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
