// Package status is the status machine of an ImportedCluster, shared by its two writers (the
// hub's reconciler and, in agent mode, the agent) and its readers: setting and finding
// conditions, what the cluster is waiting for, the phase derived from the conditions, the first
// problem to announce, what of status each writer owns, and whether a new status needs a write
// at all. Pure: values in, values out; pkg/clustersync writes the result.
package status
