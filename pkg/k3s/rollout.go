package k3s

import (
	"fmt"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Rollout is the progress of an upgrade to Target, read from the Plans' status, the nodes'
// plan labels and versions, and the upgrade Jobs, as the system-upgrade-controller leaves them.
type Rollout struct {
	Target  string      `json:"target"`
	Servers PoolRollout `json:"servers"`
	Workers PoolRollout `json:"workers"`
	// FailedJobs are failed upgrade jobs of nodes not yet done, sorted by job name.
	FailedJobs []v1alpha1.FailedJob `json:"failedJobs,omitempty"`
}

// PoolRollout is one plan's progress over its pool.
type PoolRollout struct {
	Plan string `json:"plan"`
	// Found says whether the Plan exists.
	Found bool `json:"found"`
	// SpecVersion is the plan's spec.version; LatestVersion and LatestHash its status.
	SpecVersion   string `json:"version,omitempty"`
	LatestVersion string `json:"latestVersion,omitempty"`
	LatestHash    string `json:"latestHash,omitempty"`
	// Applying, Done and Pending partition the pool's node names, each sorted.
	Applying []string `json:"applying"`
	Done     []string `json:"done"`
	Pending  []string `json:"pending"`
	// NotReady are the pool's unready nodes that are not done.
	NotReady []string `json:"notReady,omitempty"`
	// Problems are the plan's conditions that are not True, as "Type: message".
	Problems []string `json:"problems,omitempty"`
}

// Total is the pool's size.
func (p PoolRollout) Total() int { return len(p.Applying) + len(p.Done) + len(p.Pending) }

// Finished says whether every node of the pool is done.
func (p PoolRollout) Finished() bool { return len(p.Applying)+len(p.Pending) == 0 }

// Complete says whether every node runs Target.
func (r *Rollout) Complete() bool { return r.Servers.Finished() && r.Workers.Finished() }

// IsServer says whether the master plan selects node: K3s labels servers control-plane=true.
func IsServer(node *corev1.Node) bool { return node.Labels[v1alpha1.NodeRoleControlPlane] == "true" }

// IsWorker says whether the worker plan selects node: it has no control-plane label.
func IsWorker(node *corev1.Node) bool {
	_, ok := node.Labels[v1alpha1.NodeRoleControlPlane]
	return !ok
}

// Summarize computes the rollout to target from what the downstream holds. plans maps plan
// names to the Plans found (absent when missing). A node is done when it runs target
// (status.nodeInfo.kubeletVersion) or carries its plan's label with the plan's latestHash.
func Summarize(target string, nodes []corev1.Node, plans map[string]*unstructured.Unstructured, jobs []batchv1.Job) *Rollout {
	r := &Rollout{Target: target}
	r.Servers = summarizePool(v1alpha1.MasterPlan, target, plans[v1alpha1.MasterPlan], nodes, IsServer)
	r.Workers = summarizePool(v1alpha1.WorkerPlan, target, plans[v1alpha1.WorkerPlan], nodes, IsWorker)
	done := map[string]bool{}
	for _, n := range append(slices.Clone(r.Servers.Done), r.Workers.Done...) {
		done[n] = true
	}
	for i := range jobs {
		j := &jobs[i]
		node := j.Labels[v1alpha1.UpgradeJobNodeLabel]
		if plan := j.Labels[v1alpha1.UpgradeJobPlanLabel]; (plan != v1alpha1.MasterPlan && plan != v1alpha1.WorkerPlan) || done[node] {
			continue
		}
		if msg, failed := jobFailed(j); failed {
			r.FailedJobs = append(r.FailedJobs, v1alpha1.FailedJob{Job: j.Name, Node: node, Message: msg})
		}
	}
	slices.SortFunc(r.FailedJobs, func(a, b v1alpha1.FailedJob) int { return strings.Compare(a.Job, b.Job) })
	return r
}

func summarizePool(name, target string, plan *unstructured.Unstructured, nodes []corev1.Node, inPool func(*corev1.Node) bool) PoolRollout {
	p := PoolRollout{Plan: name, Found: plan != nil}
	applying := map[string]bool{}
	if plan != nil {
		p.SpecVersion, _, _ = unstructured.NestedString(plan.Object, "spec", "version")
		p.LatestVersion, _, _ = unstructured.NestedString(plan.Object, "status", "latestVersion")
		p.LatestHash, _, _ = unstructured.NestedString(plan.Object, "status", "latestHash")
		names, _, _ := unstructured.NestedStringSlice(plan.Object, "status", "applying")
		for _, n := range names {
			applying[n] = true
		}
		p.Problems = planProblems(plan)
	}
	for i := range nodes {
		node := &nodes[i]
		if !inPool(node) {
			continue
		}
		hash := node.Labels[v1alpha1.PlanNodeLabel(name)]
		switch {
		case node.Status.NodeInfo.KubeletVersion == target || (p.LatestHash != "" && hash == p.LatestHash):
			p.Done = append(p.Done, node.Name)
			continue
		case applying[node.Name]:
			p.Applying = append(p.Applying, node.Name)
		default:
			p.Pending = append(p.Pending, node.Name)
		}
		if !nodeReady(node) {
			p.NotReady = append(p.NotReady, node.Name)
		}
	}
	for _, s := range [][]string{p.Applying, p.Done, p.Pending, p.NotReady} {
		slices.Sort(s)
	}
	return p
}

// planProblems lists the plan's conditions that are not True (e.g. Validated False).
func planProblems(plan *unstructured.Unstructured) []string {
	conds, _, _ := unstructured.NestedSlice(plan.Object, "status", "conditions")
	var out []string
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["status"] == "True" || m["type"] == "Complete" {
			continue
		}
		msg, _ := m["message"].(string)
		if msg == "" {
			msg, _ = m["reason"].(string)
		}
		out = append(out, fmt.Sprintf("%v: %s", m["type"], msg))
	}
	return out
}

func jobFailed(j *batchv1.Job) (string, bool) {
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			msg := c.Message
			if msg == "" {
				msg = c.Reason
			}
			return msg, true
		}
	}
	return "", false
}

func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// maxFailedJobReason bounds the message kept of a failed upgrade Job.
const maxFailedJobReason = 1024

// TrimFailedJob is j as Summarize reads a failed one, and whether it failed: name, plan and
// node labels, and its Failed condition with the message cut to maxFailedJobReason bytes. A
// reader keeps no more of a Job than that.
func TrimFailedJob(j *batchv1.Job) (batchv1.Job, bool) {
	msg, failed := jobFailed(j)
	if !failed {
		return batchv1.Job{}, false
	}
	if len(msg) > maxFailedJobReason {
		msg = msg[:maxFailedJobReason] + "…"
	}
	t := batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: j.Name, Labels: map[string]string{
		v1alpha1.UpgradeJobPlanLabel: j.Labels[v1alpha1.UpgradeJobPlanLabel], v1alpha1.UpgradeJobNodeLabel: j.Labels[v1alpha1.UpgradeJobNodeLabel]}}}
	t.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Message: msg}}
	return t, true
}

// Status is r as status.upgrade holds it: counts per pool and at most
// v1alpha1.MaxNotReadyNames failed jobs.
func (r *Rollout) Status() *v1alpha1.UpgradeStatus {
	pool := func(p PoolRollout) v1alpha1.PoolUpgrade {
		return v1alpha1.PoolUpgrade{Plan: p.Plan, Applying: int32(len(p.Applying)), Done: int32(len(p.Done)), Total: int32(p.Total())}
	}
	st := &v1alpha1.UpgradeStatus{TargetVersion: r.Target, Servers: pool(r.Servers), Workers: pool(r.Workers)}
	if len(r.FailedJobs) > 0 {
		st.FailedJobs = r.FailedJobs[:min(len(r.FailedJobs), maxFailedJobs)]
	}
	return st
}

// maxFailedJobs is the bound of status.upgrade.failedJobs in the CRD.
const maxFailedJobs = 20
