package validate

import (
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Context is what the webhook looked up for one admission request.
type Context struct {
	// Others are the existing ImportedClusters with newObj's spec.clusterID (cache index).
	Others []v1alpha1.ImportedCluster
	// Pools is PoolsFromStatus of the stored object's status (empty on CREATE).
	Pools PoolState
	// KubeMinor is the downstream's Kubernetes minor version (KubeMinor of
	// status.kubernetesVersion); 0 when unknown.
	KubeMinor int
	// Username is the requesting user (admission request userInfo.username); the Join,
	// Agent and HubMetadata rules read it.
	Username string
	// Writers are the hub component's own identities (as for StatusWrite): HubMetadata lets
	// them change what the hub acts on, HubSpec lets them change only projects' namespaces
	// and members.
	Writers []string
	// MayForce says whether the requester holds the hub RBAC right to skip a disconnect's
	// cleanup (update importedclusters/finalizers of this cluster). HubMetadata asks it only
	// when it would otherwise refuse removing the cleanup finalizer of a record being deleted:
	// the answer costs an API call. Nil means no.
	MayForce func() bool
}

// ContextFor builds the Context of a request from the stored object (nil on CREATE), the
// ImportedClusters that share the new object's clusterID (needed only when ChecksDuplicates),
// the requesting user and the hub component's identities.
func ContextFor(oldObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster, username string, writers []string) Context {
	c := Context{Others: others, Username: username, Writers: writers}
	if oldObj != nil {
		c.Pools = PoolsFromStatus(oldObj.Status)
		c.KubeMinor = KubeMinor(oldObj.Status.KubernetesVersion)
	}
	return c
}

// ImportedCluster applies every rule to one admission request (oldObj nil on CREATE, else
// the stored object) and returns their errors and warnings together. It never refuses a
// no-op update, so a stored object can always be updated and deleted, except by the join
// identity of another cluster (Join) and by any agent (Agent), which may write nothing.
// (HubMetadata refuses no no-op either: it judges changes only.)
func ImportedCluster(newObj, oldObj *v1alpha1.ImportedCluster, c Context) Result {
	r := Join(newObj, oldObj, c.Username)
	r.merge(Agent(newObj, oldObj, c.Username))
	r.merge(Identity(newObj, oldObj, c.Others))
	r.merge(Credentials(newObj, oldObj))
	r.merge(Members(newObj, oldObj))
	r.merge(Projects(newObj, oldObj))
	r.merge(Capabilities(newObj, oldObj, c.KubeMinor))
	r.merge(Upgrade(newObj, oldObj, c.Pools))
	r.merge(HubMetadata(newObj, oldObj, c.Username, c.Writers, c.MayForce))
	r.merge(HubSpec(newObj, oldObj, c.Username, c.Writers))
	return r
}
