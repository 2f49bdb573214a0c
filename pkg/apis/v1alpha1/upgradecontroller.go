package v1alpha1

import "k8s.io/apimachinery/pkg/runtime/schema"

// K3s upgrades go through Rancher's system-upgrade-controller in AgentNamespace: its objects,
// the two Plans the hub writes and the labels it and K3s put on nodes and Jobs. The sync, the
// upgrade verbs and the agent's fence use these names.
const (
	// MasterPlan upgrades the control-plane (server) nodes.
	MasterPlan = "k3s-master-plan"
	// WorkerPlan upgrades every other node once the master plan is done.
	WorkerPlan = "k3s-worker-plan"
	// K3sUpgradeImage is the image of the upgrade job; the controller adds the tag from version.
	K3sUpgradeImage = "rancher/k3s-upgrade"

	// UpgradeController names the controller's Deployment, ServiceAccount and RBAC.
	UpgradeController = "system-upgrade-controller"
	// UpgradeControllerConfigMap holds the controller's environment (Rancher's chart name).
	UpgradeControllerConfigMap = "system-upgrade-controller-config"
	// UpgradeControllerUpstreamConfigMap is its name in older charts and upstream.
	UpgradeControllerUpstreamConfigMap = "default-controller-env"
	// UpgradeControllerContainer is the controller's container in its pod.
	UpgradeControllerContainer = "system-upgrade-controller"
	// UpgradeControllerDebug switches the controller's debug logging; it is read at start.
	UpgradeControllerDebug = "SYSTEM_UPGRADE_CONTROLLER_DEBUG"
	// UpgradeControllerLabel selects the controller's pods.
	UpgradeControllerLabel = "upgrade.cattle.io/controller"

	// NodeRoleControlPlane and NodeRoleMaster mark K3s server nodes; NodeRoleEtcd
	// embedded-etcd members.
	NodeRoleControlPlane = "node-role.kubernetes.io/control-plane"
	NodeRoleMaster       = "node-role.kubernetes.io/master"
	NodeRoleEtcd         = "node-role.kubernetes.io/etcd"

	// PlanLabelPrefix + plan name labels a node the plan has finished, with the plan's latestHash.
	PlanLabelPrefix = "plan.upgrade.cattle.io/"
	// UpgradeJobPlanLabel and UpgradeJobNodeLabel label each upgrade Job with its plan and node.
	UpgradeJobPlanLabel = "upgrade.cattle.io/plan"
	UpgradeJobNodeLabel = "upgrade.cattle.io/node"
)

// PlanGVR is the Plan resource.
var PlanGVR = schema.GroupVersionResource{Group: "upgrade.cattle.io", Version: "v1", Resource: "plans"}

// PlanGVK is the Plan kind.
var PlanGVK = schema.GroupVersionKind{Group: "upgrade.cattle.io", Version: "v1", Kind: "Plan"}

// PlanNodeLabel is the label the controller puts on a node the plan has finished.
func PlanNodeLabel(plan string) string { return PlanLabelPrefix + plan }
