package validate

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Agent applies the agent rule: an agent (username v1alpha1.AgentUsername(cluster)) writes
// only its own cluster's status (StatusWrite), never an ImportedCluster itself: a create,
// update or delete by any agent is refused. RBAC already gives an agent no such right; this
// rule holds should a hub admin grant one by mistake. oldObj is nil on CREATE, newObj nil on
// DELETE; requests by anyone else are not this rule's business.
func Agent(newObj, oldObj *v1alpha1.ImportedCluster, username string) Result {
	return agentRule(newObj, oldObj, username).by(RuleAgent)
}

func agentRule(newObj, oldObj *v1alpha1.ImportedCluster, username string) Result {
	var r Result
	cluster := v1alpha1.AgentCluster(username)
	if cluster == "" {
		return r
	}
	obj, verb := newObj, "change"
	switch {
	case oldObj == nil:
		verb = "create"
	case newObj == nil:
		obj, verb = oldObj, "delete"
	}
	r.refuse(field.Forbidden(namePath, fmt.Sprintf(
		"the agent of %q may not %s ImportedCluster %q: an agent writes only its own cluster's status (importedclusters/status); the hub admin changes the ImportedCluster",
		shown(cluster), verb, shown(obj.Name))))
	return r
}

// Delete applies the rules that concern a DELETE: who deletes (Join, Agent). Disconnecting
// must otherwise always be possible, so no other rule applies.
func Delete(obj *v1alpha1.ImportedCluster, username string) Result {
	r := Join(nil, obj, username)
	r.merge(Agent(nil, obj, username))
	return r
}
