package k3s

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
)

// Names of the system-upgrade-controller's objects, as Rancher deploys them.
const (
	// Namespace holds the plans and the controller, as Rancher's import does.
	Namespace = agent.Namespace
	// MasterPlan upgrades the control-plane (server) nodes.
	MasterPlan = "k3s-master-plan"
	// WorkerPlan upgrades every other node once the master plan is done.
	WorkerPlan = "k3s-worker-plan"
	// UpgradeImage is the image of the upgrade job; the controller adds the tag from version.
	UpgradeImage = "rancher/k3s-upgrade"

	// ControllerName names the controller's Deployment, ServiceAccount and RBAC.
	ControllerName = "system-upgrade-controller"
	// ControllerConfigMap holds the controller's environment (Rancher's chart name).
	ControllerConfigMap = "system-upgrade-controller-config"
	// ControllerContainer is the controller's container in its pod.
	ControllerContainer = "system-upgrade-controller"
	// DebugKey switches the controller's debug logging; it is read at start.
	DebugKey = "SYSTEM_UPGRADE_CONTROLLER_DEBUG"

	// LabelControlPlane marks K3s server nodes; LabelEtcd embedded-etcd members.
	LabelControlPlane = "node-role.kubernetes.io/control-plane"
	LabelMaster       = "node-role.kubernetes.io/master"
	LabelEtcd         = "node-role.kubernetes.io/etcd"

	// PlanLabelPrefix + plan name labels a node the plan has finished, with the plan's latestHash.
	PlanLabelPrefix = "plan.upgrade.cattle.io/"
	// JobPlanLabel and JobNodeLabel label each upgrade Job with its plan and node.
	JobPlanLabel = "upgrade.cattle.io/plan"
	JobNodeLabel = "upgrade.cattle.io/node"
	// ControllerLabel selects the controller's pods.
	ControllerLabel = "upgrade.cattle.io/controller"
)

// PlanGVR is the Plan resource.
var PlanGVR = schema.GroupVersionResource{Group: "upgrade.cattle.io", Version: "v1", Resource: "plans"}

// PlanGVK is the Plan kind.
var PlanGVK = schema.GroupVersionKind{Group: "upgrade.cattle.io", Version: "v1", Kind: "Plan"}

// PlanNodeLabel is the label the controller puts on a node the plan has finished.
func PlanNodeLabel(plan string) string { return PlanLabelPrefix + plan }
