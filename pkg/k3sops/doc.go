// Package k3sops is the client side of pkg/k3s: it applies the upgrade Plans, reads what a
// rollout needs (nodes, plans, failed upgrade Jobs) and finds, switches to debug and restarts
// the system-upgrade-controller. The sync (pkg/clustersync) and the upgrade verbs (upgrade
// status, upgrader, node-config, capabilities) call it with a downstream client; pkg/k3s
// decides from what it reads, with no client of its own.
package k3sops
