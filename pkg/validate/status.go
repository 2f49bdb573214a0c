package validate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	statusPath     = field.NewPath("status")
	conditionsPath = statusPath.Child("conditions")
)

// StatusWrite applies the status-writer rule to a write of the status subresource of
// newObj (oldObj is the stored object). Status is what was observed in the downstream (etcd
// members, NotReady nodes, the running version) and the upgrade rule trusts it, so a tenant
// who could write it could talk the webhook into a quorum-breaking upgrade. Two kinds of
// identity may write it:
//
//   - the hub component's own identities (writers), any cluster's status; an empty writers
//     list admits none of them: the webhook fails closed;
//   - the agent of a cluster (username v1alpha1.AgentUsername(name)), the status of that
//     ImportedCluster only, only while its stored spec.mode is Agent, and leaving the
//     conditions the hub judges the agent by (Heartbeat, AgentVersion) as they were. An agent
//     is trusted with what it reports about its own cluster, and with nothing else.
//
// Everybody else is refused.
func StatusWrite(newObj, oldObj *v1alpha1.ImportedCluster, username string, writers []string) Result {
	return statusWriteRule(newObj, oldObj, username, writers).by(RuleStatusWrite)
}

func statusWriteRule(newObj, oldObj *v1alpha1.ImportedCluster, username string, writers []string) Result {
	var r Result
	if slices.Contains(writers, username) {
		return r
	}
	if cluster := v1alpha1.AgentCluster(username); cluster != "" {
		agentStatusWrite(&r, newObj, oldObj, cluster)
		return r
	}
	who := "the hub component"
	if len(writers) > 0 {
		who += " (" + strings.Join(writers, ", ") + ")"
	}
	r.refuse(field.Forbidden(statusPath, fmt.Sprintf(
		"only %s, and in agent mode a cluster's own agent, writes the status of an ImportedCluster, not %q: status is what was observed in the downstream and the admission rules rely on it; change spec instead and the hub reports the result",
		who, shown(username))))
	return r
}

// agentStatusWrite refuses what the agent of cluster may not write to newObj's status.
func agentStatusWrite(r *Result, newObj, oldObj *v1alpha1.ImportedCluster, cluster string) {
	agent := fmt.Sprintf("the agent of %q", shown(cluster))
	switch {
	case newObj.Name != cluster:
		r.refuse(field.Forbidden(statusPath, fmt.Sprintf(
			"%s writes the status of ImportedCluster %q only, not of %q: each cluster's status comes from its own agent",
			agent, shown(cluster), shown(newObj.Name))))
		return
	case oldObj == nil || !oldObj.Spec.AgentMode():
		mode := v1alpha1.Mode("")
		if oldObj != nil {
			mode = oldObj.Spec.Mode
		}
		r.refuse(field.Forbidden(statusPath, fmt.Sprintf(
			"%s writes its status only while spec.mode is %s (it is %q): in %s mode the hub component observes the downstream itself; set spec.mode to %s to let the agent report",
			agent, v1alpha1.ModeAgent, mode, v1alpha1.ModeDirect, v1alpha1.ModeAgent)))
		return
	}
	for _, t := range v1alpha1.HubOwnedConditions {
		now, was := apimeta.FindStatusCondition(newObj.Status.Conditions, t), apimeta.FindStatusCondition(oldObj.Status.Conditions, t)
		if (now == nil) != (was == nil) || now != nil && !equality.Semantic.DeepEqual(*now, *was) {
			r.refuse(field.Forbidden(conditionsPath.Key(t), fmt.Sprintf(
				"%s may not set, change or remove the %s condition: the hub component judges the agent by it; write the status with this condition as read from the hub",
				agent, t)))
		}
	}
}
