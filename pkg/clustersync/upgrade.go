package clustersync

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/status"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// observeCapabilities records the effective capabilities (detected, then annotation
// overrides). A malformed override (stored while the webhook was down) is reported, and the
// detected value stays.
func observeCapabilities(ic *v1alpha1.ImportedCluster, obs *observation, events record.EventRecorder) {
	caps, res := k3s.DetectCapabilities(obs.nodes, obs.gitVersion, ic.Annotations)
	ic.Status.Capabilities = caps
	if err := res.Err(); err != nil {
		events.Eventf(ic, corev1.EventTypeWarning, "CapabilityOverrideIgnored", "%v", err)
	}
}

// observeUpgrade deploys the K3s upgrade Plans for spec.k3s.version and records their
// progress in status.upgrade and the Upgraded condition (pkg/k3s says how). Failures are the
// Upgraded condition's, never Connected's: the cluster stays reachable.
func observeUpgrade(ctx context.Context, ds Downstream, ic *v1alpha1.ImportedCluster, obs *observation) {
	if ic.Spec.K3s == nil || ic.Spec.K3s.Version == "" || ic.Status.Distribution != v1alpha1.DistK3s {
		ic.Status.Upgrade = nil
		meta.RemoveStatusCondition(&ic.Status.Conditions, v1alpha1.ConditionUpgraded)
		return
	}
	failed := func(err error) {
		status.SetCondition(ic, v1alpha1.ConditionUpgraded, metav1.ConditionFalse, v1alpha1.ReasonFailed, err.Error())
	}
	cs, dyn := ds.Client, ds.Dynamic
	present, err := k3sops.ControllerPresent(ctx, cs)
	if err != nil {
		failed(fmt.Errorf("looking for the system-upgrade-controller: %w", err))
		return
	}
	planned, clamped := clampServers(ic)
	if err := k3sops.ApplyPlans(ctx, dyn, planned); err != nil {
		failed(fmt.Errorf("deploying the upgrade plans: %w", err))
		return
	}
	up, done, err := k3sops.Progress(ctx, cs, dyn, ic, obs.nodes)
	if err != nil {
		failed(fmt.Errorf("reading the upgrade progress: %w", err))
		return
	}
	ic.Status.Upgrade = up
	cond := k3s.UpgradedCondition(ic, present, up, done)
	status.SetCondition(ic, cond.Type, cond.Status, cond.Reason, cond.Message+clamped)
}

// clampServers is ic with at most as many servers upgrading at once as keep etcd quorum with
// the members this sync has just observed (status.nodes), and a note saying so when that
// lowered spec.k3s: the webhook judged the spec against the status of its time (or none, on
// create), which may be older than this observation. ic itself is not changed.
func clampServers(ic *v1alpha1.ImportedCluster) (*v1alpha1.ImportedCluster, string) {
	if ic.Status.Nodes == nil {
		return ic, ""
	}
	n := int(ic.Status.Nodes.Etcd)
	limit := validate.ServerConcurrencyLimit(n)
	asked := k3s.Strategy(ic.Spec.K3s).ServerConcurrency
	if limit == 0 || int(asked) <= limit {
		return ic, ""
	}
	planned := ic.DeepCopy()
	planned.Spec.K3s.UpgradeStrategy.ServerConcurrency = int32(limit)
	return planned, fmt.Sprintf("; %s runs %d server(s) at once, not spec.k3s.upgradeStrategy.serverConcurrency %d: with %d embedded-etcd members observed now, more would break quorum",
		v1alpha1.MasterPlan, limit, asked, n)
}
