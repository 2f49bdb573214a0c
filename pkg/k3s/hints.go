package k3s

import (
	"fmt"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// maxNamesInHint bounds the node names one hint lists.
const maxNamesInHint = 5

// Hints say why a rollout of cluster does not progress, each with what to do; none when
// it is complete.
func (r *Rollout) Hints(cluster string, controllerPresent bool) []string {
	if r.Complete() {
		return nil
	}
	var hints []string
	if !controllerPresent {
		hints = append(hints, ControllerMissingMessage(cluster))
	}
	for _, p := range []PoolRollout{r.Servers, r.Workers} {
		switch {
		case !p.Found:
			hints = append(hints, fmt.Sprintf("plan %s/%s does not exist: the hub's reconciler creates it from spec.k3s.version once it reaches the cluster (check 'kubectl import describe %s')",
				v1alpha1.AgentNamespace, p.Plan, cluster))
			continue
		case p.SpecVersion != r.Target:
			hints = append(hints, fmt.Sprintf("plan %s is at version %s, not %s: the hub's reconciler has not updated it yet", p.Plan, p.SpecVersion, r.Target))
		case controllerPresent && p.LatestVersion == "" && !p.Finished():
			hints = append(hints, fmt.Sprintf("the controller has not resolved plan %s yet (status.latestVersion is empty): see 'kubectl import upgrader logs %s'", p.Plan, cluster))
		}
		for _, problem := range p.Problems {
			hints = append(hints, fmt.Sprintf("plan %s: %s", p.Plan, problem))
		}
		if len(p.NotReady) > 0 {
			hints = append(hints, fmt.Sprintf("%s of plan %s NotReady: the plan waits for them; bring them back, or delete their Node objects if they are gone for good",
				nodeList(p.NotReady), p.Plan))
		}
	}
	if !r.Servers.Finished() && !r.Workers.Finished() && r.Workers.Found {
		hints = append(hints, fmt.Sprintf("the workers wait for the servers: the prepare step of %s waits until %s has upgraded every server (%d of %d left)",
			v1alpha1.WorkerPlan, v1alpha1.MasterPlan, len(r.Servers.Applying)+len(r.Servers.Pending), r.Servers.Total()))
	}
	for _, j := range r.FailedJobs {
		hints = append(hints, fmt.Sprintf("job %s/%s failed on node %s: %s; see 'kubectl import upgrader logs %s' and the job's pod logs in the downstream",
			v1alpha1.AgentNamespace, j.Job, j.Node, j.Message, cluster))
	}
	return hints
}

// nodeList says e.g. "nodes a, b and 3 more are" / "node a is".
func nodeList(names []string) string {
	shown := names[:min(len(names), maxNamesInHint)]
	s := strings.Join(shown, ", ")
	if more := len(names) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	if len(names) == 1 {
		return "node " + s + " is"
	}
	return "nodes " + s + " are"
}
