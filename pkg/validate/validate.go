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
	// Username is the requesting user (admission request userInfo.username); the Join and
	// Agent rules read it.
	Username string
}

// ContextFor builds the Context of a request from the stored object (nil on CREATE), the
// ImportedClusters that share the new object's clusterID (needed only when ChecksDuplicates)
// and the requesting user.
func ContextFor(oldObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster, username string) Context {
	c := Context{Others: others, Username: username}
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
func ImportedCluster(newObj, oldObj *v1alpha1.ImportedCluster, c Context) Result {
	r := Join(newObj, oldObj, c.Username)
	r.merge(Agent(newObj, oldObj, c.Username))
	r.merge(Identity(newObj, oldObj, c.Others))
	r.merge(Credentials(newObj, oldObj))
	r.merge(Members(newObj, oldObj))
	r.merge(Capabilities(newObj, oldObj, c.KubeMinor))
	r.merge(Upgrade(newObj, oldObj, c.Pools))
	return r
}
