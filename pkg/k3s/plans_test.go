package k3s

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func clusterWith(version string, s v1alpha1.UpgradeStrategy) *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec:       v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: version, UpgradeStrategy: s}},
	}
}

const planMeta = `apiVersion: upgrade.cattle.io/v1
kind: Plan
metadata:
  labels:
    app.kubernetes.io/managed-by: kubectl-import
    kimport.dev/cluster: prod
`

func TestDesiredPlansExactFields(t *testing.T) {
	cases := map[string]struct {
		strategy       v1alpha1.UpgradeStrategy
		master, worker string
	}{
		"defaults (zero values mean 1/1, no drain)": {
			strategy: v1alpha1.UpgradeStrategy{},
			master: planMeta + `  name: k3s-master-plan
  namespace: cattle-system
spec:
  concurrency: 1
  cordon: true
  nodeSelector:
    matchExpressions:
    - key: node-role.kubernetes.io/control-plane
      operator: In
      values:
      - "true"
  serviceAccountName: system-upgrade-controller
  tolerations:
  - operator: Exists
  upgrade:
    image: rancher/k3s-upgrade
  version: v1.37.3+k3s1
`,
			worker: planMeta + `  name: k3s-worker-plan
  namespace: cattle-system
spec:
  concurrency: 1
  cordon: true
  nodeSelector:
    matchExpressions:
    - key: node-role.kubernetes.io/control-plane
      operator: DoesNotExist
  prepare:
    args:
    - prepare
    - k3s-master-plan
    image: rancher/k3s-upgrade:v1.37.3-k3s1
  serviceAccountName: system-upgrade-controller
  tolerations:
  - operator: Exists
  upgrade:
    image: rancher/k3s-upgrade
  version: v1.37.3+k3s1
`,
		},
		"drain both pools, 1 server and 3 workers at once": {
			strategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 3, DrainServerNodes: true, DrainWorkerNodes: true},
			master:   "concurrency: 1\n  cordon: true\n  drain:\n    force: true\n",
			worker:   "concurrency: 3\n  cordon: true\n  drain:\n    force: true\n",
		},
		"drain workers only": {
			strategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 2, WorkerConcurrency: 2, DrainWorkerNodes: true},
			master:   "concurrency: 2\n  cordon: true\n  nodeSelector:",
			worker:   "concurrency: 2\n  cordon: true\n  drain:\n    force: true\n",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			plans := DesiredPlans(clusterWith("v1.37.3+k3s1", tc.strategy))
			if len(plans) != 2 {
				t.Fatalf("got %d plans, want 2", len(plans))
			}
			for i, want := range []string{tc.master, tc.worker} {
				got, err := yaml.Marshal(plans[i].Object)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(want, "apiVersion") {
					if string(got) != want {
						t.Errorf("plan %d:\n%s\nwant:\n%s", i, got, want)
					}
				} else if !strings.Contains(string(got), want) {
					t.Errorf("plan %d lacks %q:\n%s", i, want, got)
				}
			}
			if tc.strategy.DrainServerNodes == false {
				if _, found := plans[0].Object["spec"].(map[string]any)["drain"]; found {
					t.Errorf("master plan drains although drainServerNodes is false")
				}
			}
		})
	}
}

func TestDesiredPlansNoVersion(t *testing.T) {
	if p := DesiredPlans(clusterWith("", v1alpha1.UpgradeStrategy{})); p != nil {
		t.Errorf("DesiredPlans without a version = %v, want nil", p)
	}
	if p := DesiredPlans(&v1alpha1.ImportedCluster{}); p != nil {
		t.Errorf("DesiredPlans without spec.k3s = %v, want nil", p)
	}
}
