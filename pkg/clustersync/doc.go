// Package clustersync is the one synchronisation of a downstream cluster with its
// ImportedCluster, shared by both connection modes: observe (version, distribution, node
// summary, namespaces → projects, capabilities), apply (project labels, member bindings, K3s
// upgrade plans), report (status conditions, upgrade progress), and clean up on disconnect.
// In direct mode the hub reconciler runs it with a client built from the credentials
// Secret; in agent mode kimport-agent runs it inside the downstream with its own
// ServiceAccount. Only who runs it and where its downstream client comes from differ.
package clustersync
