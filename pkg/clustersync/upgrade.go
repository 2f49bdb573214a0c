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
		SetCondition(ic, v1alpha1.ConditionUpgraded, metav1.ConditionFalse, v1alpha1.ReasonFailed, err.Error())
	}
	cs, dyn := ds.Client, ds.Dynamic
	present, err := k3s.ControllerPresent(ctx, cs)
	if err != nil {
		failed(fmt.Errorf("looking for the system-upgrade-controller: %w", err))
		return
	}
	if err := k3s.ApplyPlans(ctx, dyn, ic); err != nil {
		failed(fmt.Errorf("deploying the upgrade plans: %w", err))
		return
	}
	up, done, err := k3s.Progress(ctx, cs, dyn, ic, obs.nodes)
	if err != nil {
		failed(fmt.Errorf("reading the upgrade progress: %w", err))
		return
	}
	ic.Status.Upgrade = up
	cond := k3s.UpgradedCondition(ic, present, up, done)
	SetCondition(ic, cond.Type, cond.Status, cond.Reason, cond.Message)
}
