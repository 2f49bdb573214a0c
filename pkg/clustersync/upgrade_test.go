package clustersync

import (
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestClampServers(t *testing.T) {
	withServers := func(concurrency int32, nodes *v1alpha1.NodeSummary) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{
			Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: "v1.31.1+k3s1",
				UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: concurrency, WorkerConcurrency: 4}}},
			Status: v1alpha1.ImportedClusterStatus{Nodes: nodes},
		}
	}
	etcd := func(n int32) *v1alpha1.NodeSummary { return &v1alpha1.NodeSummary{Etcd: n} }
	for _, tc := range []struct {
		desc  string
		ic    *v1alpha1.ImportedCluster
		want  int32
		noted bool
	}{
		{"within the quorum limit", withServers(2, etcd(5)), 2, false},
		{"above it: clamped to what 3 members allow", withServers(3, etcd(3)), 1, true},
		{"the spec was checked against 5 members, 4 are left", withServers(2, etcd(4)), 1, true},
		{"no embedded etcd: no limit", withServers(3, etcd(0)), 3, false},
		{"nodes not observed: left as asked (the webhook refuses above 1 then)", withServers(3, nil), 3, false},
		{"the default (0 means 1)", withServers(0, etcd(3)), 0, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			before := tc.ic.DeepCopy()
			planned, note := clampServers(tc.ic)
			if got := planned.Spec.K3s.UpgradeStrategy.ServerConcurrency; got != tc.want {
				t.Errorf("planned server concurrency %d, want %d", got, tc.want)
			}
			if (note != "") != tc.noted {
				t.Errorf("note %q, want one: %t", note, tc.noted)
			}
			if planned.Spec.K3s.UpgradeStrategy.WorkerConcurrency != 4 {
				t.Errorf("worker concurrency changed: %+v", planned.Spec.K3s.UpgradeStrategy)
			}
			if tc.ic.Spec.K3s.UpgradeStrategy != before.Spec.K3s.UpgradeStrategy {
				t.Errorf("clampServers changed its argument: %+v", tc.ic.Spec.K3s.UpgradeStrategy)
			}
		})
	}
	_, note := clampServers(withServers(3, etcd(3)))
	if want := "; k3s-master-plan runs 1 server(s) at once, not spec.k3s.upgradeStrategy.serverConcurrency 3: with 3 embedded-etcd members observed now, more would break quorum"; note != want {
		t.Errorf("note\n%q, want\n%q", note, want)
	}
}
