package validate

import (
	"fmt"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// k3sCluster is an Active K3s ImportedCluster asking for version, draining both pools.
func k3sCluster(version string, server, worker int32) *v1alpha1.ImportedCluster {
	c := cluster("edge", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)
	c.Spec.K3s = &v1alpha1.K3sSpec{Version: version, UpgradeStrategy: v1alpha1.UpgradeStrategy{
		ServerConcurrency: server, WorkerConcurrency: worker, DrainServerNodes: true, DrainWorkerNodes: true}}
	return &c
}

// threeByFive is a healthy K3s cluster: 3 embedded-etcd servers, 5 workers, v1.30.4+k3s1.
var threeByFive = PoolState{Servers: 3, EtcdServers: 3, Workers: 5, RunningVersion: "v1.30.4+k3s1", Distribution: v1alpha1.DistK3s, NodesObserved: true}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}

func TestUpgradeConcurrency(t *testing.T) {
	withEtcd := func(servers, etcd, workers int) PoolState {
		return PoolState{Servers: servers, EtcdServers: etcd, Workers: workers, Distribution: v1alpha1.DistK3s, NodesObserved: true}
	}
	cases := []struct {
		desc           string
		server, worker int32
		pools          PoolState
		errs, warnings []string
	}{
		{"defaults on a healthy cluster", 1, 1, threeByFive, nil, nil},
		{"server concurrency 0", 0, 1, threeByFive,
			[]string{`=spec.k3s.upgradeStrategy.serverConcurrency: Invalid value: 0: must be at least 1 (the upgrade controller upgrades no node at 0)`}, nil},
		{"worker concurrency negative", 1, -1, threeByFive,
			[]string{`=spec.k3s.upgradeStrategy.workerConcurrency: Invalid value: -1: must be at least 1 (the upgrade controller upgrades no node at 0)`}, nil},
		{"2 of 3 etcd servers break quorum", 2, 1, threeByFive,
			[]string{`=spec.k3s.upgradeStrategy.serverConcurrency: Invalid value: 2: with 3 embedded-etcd servers at most 1 may upgrade at once, or etcd loses quorum; set it to 1`}, nil},
		{"2 of 4 etcd servers break quorum", 2, 1, withEtcd(4, 4, 0), []string{`with 4 embedded-etcd servers at most 1 may upgrade at once`}, nil},
		{"2 of 5 etcd servers keep quorum", 2, 1, withEtcd(5, 5, 0), nil, nil},
		{"3 of 5 etcd servers break quorum", 3, 1, withEtcd(5, 5, 0), []string{`with 5 embedded-etcd servers at most 2 may upgrade at once, or etcd loses quorum; set it to 2`}, nil},
		{"3 of 7 etcd servers keep quorum", 3, 1, withEtcd(7, 7, 0), nil, nil},
		{"2 etcd servers: 1 allowed with a warning", 1, 1, withEtcd(2, 2, 0), nil,
			[]string{`=with 2 embedded-etcd servers the control plane loses quorum while each server upgrades (3 or more keep it)`}},
		{"2 etcd servers: 2 refused", 2, 1, withEtcd(2, 2, 0), []string{`with 2 embedded-etcd servers at most 1 may upgrade at once`}, nil},
		{"a single server", 1, 1, withEtcd(1, 1, 3), nil, []string{`=the cluster has a single server: its API is unavailable while it upgrades`}},
		{"external datastore: all servers at once is only a warning", 3, 1, withEtcd(3, 0, 2), nil,
			[]string{`=spec.k3s.upgradeStrategy.serverConcurrency is 3 and the cluster has 3 servers: every server may upgrade at once and the API is unavailable meanwhile`}},
		{"worker concurrency at the pool size", 1, 5, threeByFive, nil,
			[]string{`=spec.k3s.upgradeStrategy.workerConcurrency is 5 and the cluster has 5 workers: every worker may upgrade at once, leaving workloads nowhere to run`}},
		{"nodes not observed yet (create, Pending): server concurrency 1 and any worker concurrency", 1, 9, PoolState{}, nil, nil},
		{"nodes not observed yet: a server concurrency above 1 cannot be checked", 2, 1, PoolState{},
			[]string{"=spec.k3s.upgradeStrategy.serverConcurrency: Invalid value: 2: the hub has not observed this cluster's nodes yet (no status.nodes: it is being created, or was never reached), so it cannot check that 2 servers upgrading at once keep etcd quorum; set it to 1 now, and raise it once `kubectl import describe edge` shows the etcd members"}, nil},
		{"observed without embedded etcd (external datastore): no quorum limit", 2, 1, withEtcd(3, 0, 0), nil, nil},
		{"spec.k3s on another distribution", 1, 1, PoolState{Distribution: v1alpha1.DistRKE2},
			[]string{`=spec.k3s: Forbidden: only K3s clusters can be upgraded by kubectl-import, and this cluster runs "rke2" (status.distribution); remove spec.k3s`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			expectResult(t, Upgrade(k3sCluster("", tc.server, tc.worker), nil, tc.pools), tc.errs, tc.warnings)
		})
	}
}

func TestUpgradeDrainWarnings(t *testing.T) {
	c := k3sCluster("", 1, 1)
	c.Spec.K3s.UpgradeStrategy.DrainServerNodes, c.Spec.K3s.UpgradeStrategy.DrainWorkerNodes = false, false
	expectResult(t, Upgrade(c, nil, threeByFive), nil, []string{
		`=spec.k3s.upgradeStrategy.drainServerNodes is false: servers upgrade without draining, so their pods are not moved elsewhere first`,
		`=spec.k3s.upgradeStrategy.drainWorkerNodes is false: workers upgrade without draining, so their pods are not moved elsewhere first`,
	})
	noWorkers := PoolState{Servers: 3, EtcdServers: 3, Distribution: v1alpha1.DistK3s, NodesObserved: true}
	expectResult(t, Upgrade(c, nil, noWorkers), nil, []string{`drainServerNodes is false`})
}

func TestUpgradeStart(t *testing.T) {
	const next = "v1.31.1+k3s1"
	notReady := threeByFive
	notReady.NotReadyWorkers, notReady.NotReadyWorkerCount = []string{"w1", "w2"}, 2
	notReadyServer := threeByFive
	notReadyServer.NotReadyServers = []string{"s2"}
	many := threeByFive
	many.Workers, many.NotReadyWorkers, many.NotReadyWorkerCount = 40, names("worker-", v1alpha1.MaxNotReadyNames), 25
	cases := []struct {
		desc           string
		oldVersion     string // "" with oldObj nil means CREATE
		update         bool
		version        string
		worker         int32
		pools          PoolState
		errs, warnings []string
	}{
		{"upgrade on a healthy cluster", "v1.30.4+k3s1", true, next, 1, threeByFive, nil, nil},
		{"first version on create", "", false, next, 1, threeByFive, nil, nil},
		{"malformed version", "v1.30.4+k3s1", true, "1.31", 1, threeByFive,
			[]string{`=spec.k3s.version: Invalid value: "1.31": must be a K3s version vX.Y.Z+k3sN, e.g. v1.30.4+k3s1`}, nil},
		{"RKE2 version", "", false, "v1.31.1+rke2r1", 1, threeByFive, []string{`Invalid value: "v1.31.1+rke2r1": must be a K3s version`}, nil},
		{"downgrade from the previous spec", "v1.31.1+k3s2", true, next, 1, PoolState{Distribution: v1alpha1.DistK3s},
			[]string{`=spec.k3s.version: Invalid value: "v1.31.1+k3s1": is older than v1.31.1+k3s2 (the previous spec.k3s.version): K3s cannot be downgraded; choose v1.31.1+k3s2 or newer`}, nil},
		{"downgrade from the running version", "", false, "v1.29.8+k3s1", 1, threeByFive,
			[]string{`=spec.k3s.version: Invalid value: "v1.29.8+k3s1": is older than v1.30.4+k3s1 (the running version, status.kubernetesVersion): K3s cannot be downgraded; choose v1.30.4+k3s1 or newer`}, nil},
		{"the running version again is no downgrade", "", false, "v1.30.4+k3s1", 1, threeByFive, nil, nil},
		{"a non-K3s running version is not compared", "", false, "v1.29.8+k3s1", 1, PoolState{RunningVersion: "v1.32.0"}, nil, nil},
		{"skipping a minor version", "", false, "v1.32.0+k3s1", 1, threeByFive, nil,
			[]string{`=spec.k3s.version: v1.32.0+k3s1 skips Kubernetes minor versions (from 1.30): Kubernetes upgrades one minor version at a time; upgrade to a v1.31 release first`}},
		{"more workers NotReady than the worker concurrency", "v1.30.4+k3s1", true, next, 1, notReady,
			[]string{"=spec.k3s.version: Forbidden: cannot start the upgrade to v1.31.1+k3s1: 2 worker nodes are NotReady (w1, w2), more than workerConcurrency 1, so the upgrade would stall; bring them back or delete their Node objects, then retry"}, nil},
		{"as many NotReady workers as the concurrency: a warning", "v1.30.4+k3s1", true, next, 2, notReady, nil,
			[]string{`=spec.k3s.version: 2 worker nodes are NotReady (w1, w2); the upgrade may stall on them`}},
		{"a NotReady server within the server concurrency: a warning", "", false, next, 1, notReadyServer, nil,
			[]string{`=spec.k3s.version: 1 server node is NotReady (s2); the upgrade may stall on them`}},
		{"counts beyond the listed names", "", false, next, 3, many,
			[]string{`25 worker nodes are NotReady (worker-1, worker-2, worker-3, worker-4, worker-5, and 20 more), more than workerConcurrency 3`}, nil},
		{"NotReady nodes do not block when the version is unchanged", next, true, next, 1, notReady, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			newObj := k3sCluster(tc.version, 1, tc.worker)
			var oldObj *v1alpha1.ImportedCluster
			if tc.update {
				oldObj = k3sCluster(tc.oldVersion, 1, 1)
				if tc.oldVersion == tc.version { // change something else in spec.k3s
					oldObj.Spec.K3s.UpgradeStrategy.DrainWorkerNodes = false
				}
			}
			expectResult(t, Upgrade(newObj, oldObj, tc.pools), tc.errs, tc.warnings)
		})
	}
}

func TestUpgradeRatchets(t *testing.T) {
	// Stored while 5 etcd members existed; two have gone since.
	stored := k3sCluster("v1.30.4+k3s1", 2, 1)
	shrunk := PoolState{Servers: 3, EtcdServers: 3, Workers: 5, NotReadyWorkers: []string{"w1", "w2"}, RunningVersion: "v1.31.0+k3s1", Distribution: v1alpha1.DistRKE2, NodesObserved: true}

	t.Run("UPDATE leaving spec.k3s as it was says nothing", func(t *testing.T) {
		updated := stored.DeepCopy()
		updated.Spec.DisplayName = "edge site"
		expectResult(t, Upgrade(updated, stored, shrunk), nil, nil)
	})
	t.Run("UPDATE without spec.k3s says nothing", func(t *testing.T) {
		updated := stored.DeepCopy()
		updated.Spec.K3s = nil
		expectResult(t, Upgrade(updated, stored, shrunk), nil, nil)
	})
	t.Run("UPDATE changing the strategy is checked", func(t *testing.T) {
		updated := stored.DeepCopy()
		updated.Spec.K3s.UpgradeStrategy.WorkerConcurrency = 2
		shrunkK3s := shrunk
		shrunkK3s.Distribution = v1alpha1.DistK3s
		expectResult(t, Upgrade(updated, stored, shrunkK3s), []string{`serverConcurrency: Invalid value: 2: with 3 embedded-etcd servers at most 1`}, nil)
	})
}

func TestServerConcurrencyLimit(t *testing.T) {
	for n, want := range map[int]int{-1: 0, 0: 0, 1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 3, 9: 4} {
		if got := ServerConcurrencyLimit(n); got != want {
			t.Errorf("ServerConcurrencyLimit(%d) = %d, want %d", n, got, want)
		}
	}
}
