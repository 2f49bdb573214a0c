package inspect

import (
	"reflect"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestProjects(t *testing.T) {
	tests := []struct {
		name       string
		namespaces []string
		want       []v1alpha1.Project
	}{
		{
			name:       "all present, extra ignored",
			namespaces: []string{"kube-system", "apps", "default", "ingress-nginx", "kube-public", "cattle-system", "kube-node-lease"},
			want: []v1alpha1.Project{
				{Name: "Default", Namespaces: []string{"default"}},
				{Name: "System", Namespaces: []string{"cattle-system", "ingress-nginx", "kube-public", "kube-system"}},
			},
		},
		{
			name:       "only some system namespaces",
			namespaces: []string{"default", "kube-system", "kube-public"},
			want: []v1alpha1.Project{
				{Name: "Default", Namespaces: []string{"default"}},
				{Name: "System", Namespaces: []string{"kube-public", "kube-system"}},
			},
		},
		{
			name:       "default missing",
			namespaces: []string{"kube-system"},
			want: []v1alpha1.Project{
				{Name: "Default"},
				{Name: "System", Namespaces: []string{"kube-system"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Projects(tt.namespaces); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Projects() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
