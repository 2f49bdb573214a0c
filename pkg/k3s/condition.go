package k3s

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ControllerMissingMessage says how to install the controller for cluster.
func ControllerMissingMessage(cluster string) string {
	return fmt.Sprintf("the system-upgrade-controller is not installed in %s, so the upgrade plans wait: run 'kubectl import upgrader install %s --kubeconfig <downstream kubeconfig>'",
		v1alpha1.AgentNamespace, cluster)
}

// UpgradedCondition is the Upgraded condition of ic (type v1alpha1.ConditionUpgraded) from
// whether the controller is present and the rollout's status: False with reason
// UpgradeControllerMissing (and the `upgrader install` remedy) when the controller is absent,
// UpgradeJobFailed when a job failed, Upgrading while nodes are left; True (Upgraded) once
// every node runs the version (the reasons are v1alpha1's). ObservedGeneration is the caller's to set.
func UpgradedCondition(ic *v1alpha1.ImportedCluster, controllerPresent bool, st *v1alpha1.UpgradeStatus, done bool) metav1.Condition {
	c := metav1.Condition{Type: v1alpha1.ConditionUpgraded, Status: metav1.ConditionFalse}
	switch {
	case done:
		c.Status, c.Reason = metav1.ConditionTrue, v1alpha1.ReasonUpgraded
		c.Message = "every node runs " + target(st)
	case !controllerPresent:
		c.Reason, c.Message = v1alpha1.ReasonUpgradeControllerMissing, ControllerMissingMessage(ic.Name)
	case st != nil && len(st.FailedJobs) > 0:
		j := st.FailedJobs[0]
		c.Reason = v1alpha1.ReasonUpgradeJobFailed
		c.Message = fmt.Sprintf("upgrade job %s failed on node %s: %s (%d failed job(s); see 'kubectl import upgrade status %s')",
			j.Job, j.Node, j.Message, len(st.FailedJobs), ic.Name)
	default:
		c.Reason = v1alpha1.ReasonUpgrading
		c.Message = fmt.Sprintf("upgrading to %s: %s", target(st), describeCounts(st))
	}
	return c
}

func target(st *v1alpha1.UpgradeStatus) string {
	if st == nil {
		return "the target version"
	}
	return st.TargetVersion
}

func describeCounts(st *v1alpha1.UpgradeStatus) string {
	if st == nil {
		return "no progress observed yet"
	}
	return fmt.Sprintf("servers %d/%d done (%d applying), workers %d/%d done (%d applying)",
		st.Servers.Done, st.Servers.Total, st.Servers.Applying, st.Workers.Done, st.Workers.Total, st.Workers.Applying)
}
