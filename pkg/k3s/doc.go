// Package k3s is what the hub knows of K3s, as pure functions: the two upgrade Plans of the
// system-upgrade-controller (SUC; unstructured objects, no SUC Go module is available) and the
// controller's own objects, the rollout progress from Plan status, node labels and upgrade
// Jobs, the nodes' launch configuration with secrets redacted, and the capabilities a K3s
// cluster has. It holds no client: pkg/k3sops reads and writes the downstream for it.
//
// # How the sync uses it
//
// On each sync of a Connected cluster whose status.distribution is k3s and whose
// spec.k3s.version is set, with cs (kubernetes.Interface) and dyn (dynamic.Interface) of the
// downstream (the agent's RBAC allows every call):
//
//	present, err := k3sops.ControllerPresent(ctx, cs)        // error: downstream read failed
//	err = k3sops.ApplyPlans(ctx, dyn, ic)                      // create or update in place
//	up, done, err := k3sops.Progress(ctx, cs, dyn, ic, nodes) // the nodes its probe read
//	ic.Status.Upgrade = up
//	meta.SetStatusCondition(&ic.Status.Conditions, k3s.UpgradedCondition(ic, present, up, done))
//
// ApplyPlans is safe to call every time: it writes nothing when the plans are as desired,
// and a change of the strategy alone updates them in place, never re-triggering finished
// nodes. Call it even when the controller is missing, so the plans wait for it. An error of
// ApplyPlans or Progress belongs in the Upgraded condition (status False, reason Failed),
// not in the Connected one.
//
// Phase: Upgrading while done is false (the Upgraded condition says why: Upgrading,
// UpgradeJobFailed, or UpgradeControllerMissing with the `upgrader install` remedy); Active
// again once done is true, i.e. every node's kubelet reports spec.k3s.version. The Upgraded
// condition is not one of the conditions that make a cluster Active: a missing controller
// or a failed job must not make the cluster Unavailable. When spec.k3s.version is empty,
// Progress returns nil, true: leave status.upgrade unset and set no Upgraded condition.
//
// Capabilities: on every probe set
//
//	ic.Status.Capabilities, res = k3s.DetectCapabilities(nodes, gitVersion, ic.Annotations)
//
// for any distribution (nodes and gitVersion are what the probe read). res.Err() is non-nil
// when an override annotation is malformed (the webhook refuses those, so only objects stored
// while it was down have them): report it as a Warning event; the detected value stays.
//
// No Go code here starts the SUC: it runs in the downstream, and what it reports (Plan status,
// node labels) is what these functions read.
package k3s
