// Package validate holds the rules the hub's admission webhook enforces on ImportedClusters,
// as pure functions: no I/O, no clients, no clocks. The webhook looks up what a rule needs
// (other ImportedClusters with the same clusterID, the object's observed node pools) and
// passes plain values in; the plugin calls the same functions to refuse bad input before it
// reaches the API server.
//
// The rules (docs/architecture.md lists them with what each refuses):
//
//   - Identity: one ImportedCluster per downstream cluster (spec.clusterID), and an Active
//     cluster is never re-pointed at another API server or credentials. A registration
//     waiting for `kubectl import join` has no clusterID yet and conflicts with nothing. A
//     new ImportedCluster is not named like a clusterID (a UUID).
//   - Capabilities: well-formed capability override annotations under either prefix.
//   - Upgrade: K3s upgrade concurrency that keeps etcd quorum, no downgrades, no upgrade
//     started while a pool has more NotReady nodes than it may upgrade at once.
//   - Join: the join token of a registration may only set its spec.clusterID and
//     spec.apiServer, once.
//   - Members: no subject that stands for everyone or for the system (system:authenticated,
//     system:masters, …), no malformed subject name, one role per subject.
//   - Credentials: spec.credentialsSecretRef is always NAME-credentials, so deleting a
//     cluster can only ever delete its own credentials.
//   - Agent: an agent (agent mode) writes no ImportedCluster, only its own cluster's status.
//   - StatusWrite: only the hub component writes status, which the rules above trust, and
//     in agent mode a cluster's own agent, its own status but the hub's conditions.
//
// Ratcheting. On UPDATE a rule refuses only what the update changes. A problem that was
// already stored (admitted while the webhook was down, or made a problem by the cluster
// changing under it, e.g. etcd members lost) is reported as a warning instead, so that
// unrelated edits, status writes and above all finalizer removal are never blocked by it.
// Consequently a no-op update (old == new) is never refused — unless a join token of another
// cluster or an agent makes it: Join and Agent are about who writes, not what is stored.
package validate
