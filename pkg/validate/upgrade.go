package validate

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	k3sPath      = field.NewPath("spec", "k3s")
	versionPath  = k3sPath.Child("version")
	strategyPath = k3sPath.Child("upgradeStrategy")
)

// Upgrade applies the concurrency and version rule to spec.k3s. oldObj is nil on CREATE;
// pools is what the reconciler observed (see PoolsFromStatus). It says nothing when spec.k3s
// is absent or unchanged by an UPDATE: drift of the cluster (e.g. lost etcd members) never
// blocks unrelated edits; the reconciler reports it in status instead.
//
// Refused: spec.k3s on a cluster detected as another distribution; a concurrency below 1;
// a server concurrency above max(1, ⌊(n−1)/2⌋) with n embedded-etcd servers (quorum), and
// above 1 while the nodes were never observed (CREATE, a Pending registration): the quorum
// cannot be checked then, so it is not taken on trust.
// When the update starts an upgrade (a spec.k3s.version different from the old one):
// a malformed version, a version older than the previous spec.k3s.version or the running
// K3s version, and a pool with more NotReady nodes than its concurrency.
// Warnings: quorum lost during each server's upgrade (n ≤ 2), a single server, a
// concurrency at or above its pool's size, draining off, some NotReady nodes, skipped
// minor versions.
func Upgrade(newObj, oldObj *v1alpha1.ImportedCluster, pools PoolState) Result {
	return upgradeRule(newObj, oldObj, pools).by(RuleUpgrade)
}

func upgradeRule(newObj, oldObj *v1alpha1.ImportedCluster, pools PoolState) Result {
	var r Result
	k := newObj.Spec.K3s
	var oldK *v1alpha1.K3sSpec
	if oldObj != nil {
		oldK = oldObj.Spec.K3s
	}
	if k == nil || (oldK != nil && *oldK == *k) {
		return r
	}
	if d := pools.Distribution; d != "" && d != v1alpha1.DistK3s {
		r.refuse(field.Forbidden(k3sPath, fmt.Sprintf(
			"only K3s clusters can be upgraded by kubectl-import, and this cluster runs %q (status.distribution); remove spec.k3s", shown(string(d)))))
		return r
	}
	s := k.UpgradeStrategy
	serverOK := checkServerConcurrency(&r, newObj.Name, s.ServerConcurrency, pools)
	workerOK := checkWorkerConcurrency(&r, s.WorkerConcurrency, pools)
	warnDrain(&r, s, pools)
	if k.Version != "" && (oldK == nil || oldK.Version != k.Version) {
		checkStart(&r, k, oldK, pools, serverOK, workerOK)
	}
	return r
}

// ServerConcurrencyLimit is how many of n embedded-etcd servers may upgrade at once and keep
// quorum: max(1, ⌊(n−1)/2⌋); 0 (no limit) when n is 0, a cluster without embedded etcd. The
// hub's rule, the sync's clamp and the downstream fence all use it.
func ServerConcurrencyLimit(n int) int {
	if n <= 0 {
		return 0
	}
	return max(1, (n-1)/2)
}

// checkServerConcurrency refuses a server concurrency that breaks etcd quorum, or one above 1
// while the etcd members are unknown (nothing to check it against); ok is false when it was
// refused.
func checkServerConcurrency(r *Result, name string, c int32, pools PoolState) (ok bool) {
	p := strategyPath.Child("serverConcurrency")
	if !atLeastOne(r, p, c) {
		return false
	}
	if !pools.NodesObserved {
		if c > 1 {
			r.refuse(field.Invalid(p, c, fmt.Sprintf(
				"the hub has not observed this cluster's nodes yet (no status.nodes: it is being created, or was never reached), so it cannot check that %d servers upgrading at once keep etcd quorum; set it to 1 now, and raise it once `kubectl import describe %s` shows the etcd members",
				c, shown(name))))
			return false
		}
		return true
	}
	n := pools.EtcdServers
	if limit := ServerConcurrencyLimit(n); limit > 0 && int(c) > limit {
		r.refuse(field.Invalid(p, c, fmt.Sprintf(
			"with %d embedded-etcd servers at most %d may upgrade at once, or etcd loses quorum; set it to %d", n, limit, limit)))
		return false
	}
	switch {
	case pools.Servers == 1:
		r.warn("the cluster has a single server: its API is unavailable while it upgrades")
	case n == 1 || n == 2:
		r.warn("with %d embedded-etcd servers the control plane loses quorum while each server upgrades (3 or more keep it)", n)
	case pools.Servers > 1 && int(c) >= pools.Servers:
		r.warn("%s is %d and the cluster has %d servers: every server may upgrade at once and the API is unavailable meanwhile", p, c, pools.Servers)
	}
	return true
}

// checkWorkerConcurrency refuses a worker concurrency below 1.
func checkWorkerConcurrency(r *Result, c int32, pools PoolState) (ok bool) {
	p := strategyPath.Child("workerConcurrency")
	if !atLeastOne(r, p, c) {
		return false
	}
	if pools.Workers > 0 && int(c) >= pools.Workers {
		r.warn("%s is %d and the cluster has %d workers: every worker may upgrade at once, leaving workloads nowhere to run", p, c, pools.Workers)
	}
	return true
}

func atLeastOne(r *Result, p *field.Path, c int32) bool {
	if c < 1 {
		r.refuse(field.Invalid(p, c, "must be at least 1 (the upgrade controller upgrades no node at 0)"))
		return false
	}
	return true
}

// warnDrain warns about each pool upgraded without draining (unless known to be empty).
func warnDrain(r *Result, s v1alpha1.UpgradeStrategy, pools PoolState) {
	if !s.DrainServerNodes {
		r.warn("%s is false: servers upgrade without draining, so their pods are not moved elsewhere first", strategyPath.Child("drainServerNodes"))
	}
	workersKnownEmpty := pools.Servers > 0 && pools.Workers == 0
	if !s.DrainWorkerNodes && !workersKnownEmpty {
		r.warn("%s is false: workers upgrade without draining, so their pods are not moved elsewhere first", strategyPath.Child("drainWorkerNodes"))
	}
}

// checkStart checks a new target version. serverOK/workerOK say whether each pool's
// concurrency was accepted (the NotReady comparison needs a valid one).
func checkStart(r *Result, k, oldK *v1alpha1.K3sSpec, pools PoolState, serverOK, workerOK bool) {
	target, err := ParseK3sVersion(k.Version)
	if err != nil {
		r.refuse(field.Invalid(versionPath, shown(k.Version), k3sVersionHint))
		return
	}
	floor, floorFrom, hasFloor := K3sVersion{}, "", false
	if oldK != nil {
		if v, err := ParseK3sVersion(oldK.Version); err == nil {
			floor, floorFrom, hasFloor = v, "the previous spec.k3s.version", true
		}
	}
	running, runningErr := ParseK3sVersion(pools.RunningVersion)
	if runningErr == nil && (!hasFloor || running.Compare(floor) > 0) {
		floor, floorFrom, hasFloor = running, "the running version, status.kubernetesVersion", true
	}
	if hasFloor && target.Compare(floor) < 0 {
		r.refuse(field.Invalid(versionPath, k.Version, fmt.Sprintf(
			"is older than %s (%s): K3s cannot be downgraded; choose %s or newer", floor, floorFrom, floor)))
		return
	}
	if hasFloor && target.Major == floor.Major && target.Minor > floor.Minor+1 {
		r.warn("%s: %s skips Kubernetes minor versions (from 1.%d): Kubernetes upgrades one minor version at a time; upgrade to a v1.%d release first",
			versionPath, k.Version, floor.Minor, floor.Minor+1)
	}
	for _, pc := range []struct {
		pool pool
		c    int32
		ok   bool
		name string
	}{
		{pools.servers(), k.UpgradeStrategy.ServerConcurrency, serverOK, "serverConcurrency"},
		{pools.workers(), k.UpgradeStrategy.WorkerConcurrency, workerOK, "workerConcurrency"},
	} {
		switch n := pc.pool.notReadyCount; {
		case n == 0 || !pc.ok:
		case n > int(pc.c):
			r.refuse(field.Forbidden(versionPath, fmt.Sprintf(
				"cannot start the upgrade to %s: %s, more than %s %d, so the upgrade would stall; bring them back or delete their Node objects, then retry",
				k.Version, pc.pool.describeNotReady(), pc.name, pc.c)))
		default:
			r.warn("%s: %s; the upgrade may stall on them", versionPath, pc.pool.describeNotReady())
		}
	}
}
