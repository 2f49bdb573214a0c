package k3s

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Observe reads what Summarize needs from the downstream: every node (paged), the two
// Plans and the failed upgrade Jobs in cattle-system. The agent's RBAC allows each read.
func Observe(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, target string) (*Rollout, error) {
	nodes, err := ListNodes(ctx, cs)
	if err != nil {
		return nil, err
	}
	return ObserveWith(ctx, cs, dyn, target, nodes)
}

// ObserveWith is Observe with the nodes the caller read (the sync's probe keeps what
// Summarize reads of each: name, labels, Ready, kubelet version).
func ObserveWith(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, target string, nodes []corev1.Node) (*Rollout, error) {
	plans := map[string]*unstructured.Unstructured{}
	for _, name := range []string{v1alpha1.MasterPlan, v1alpha1.WorkerPlan} {
		p, err := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			plans[name] = p
		case apierrors.IsNotFound(err):
		default:
			return nil, fmt.Errorf("reading plan %s/%s: %w", v1alpha1.AgentNamespace, name, err)
		}
	}
	jobs, err := failedJobs(ctx, cs)
	if err != nil {
		return nil, err
	}
	return Summarize(target, nodes, plans, jobs), nil
}

// nodePageSize is one page of whole nodes: some 4 MiB of JSON with managedFields and images.
const nodePageSize = 100

// ListNodes reads every node, a page at a time.
func ListNodes(ctx context.Context, cs kubernetes.Interface) ([]corev1.Node, error) {
	var nodes []corev1.Node
	err := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return cs.CoreV1().Nodes().List(ctx, opts)
	})).EachListItem(ctx, metav1.ListOptions{Limit: nodePageSize}, func(o runtime.Object) error {
		nodes = append(nodes, *o.(*corev1.Node))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	return nodes, nil
}

// Upgrade Jobs are read a page at a time (a 5,000-node upgrade leaves thousands of them), and
// of each only a failed one is kept, trimmed to what Summarize reads, and at most
// maxKeptFailedJobs of them: their number and size are the downstream's to choose.
const (
	jobPageSize        = 100
	maxKeptFailedJobs  = 1000
	maxFailedJobReason = 1024
)

// failedJobs are the failed upgrade Jobs of both plans, in the API server's (name) order.
func failedJobs(ctx context.Context, cs kubernetes.Interface) ([]batchv1.Job, error) {
	var kept []batchv1.Job
	opts := metav1.ListOptions{Limit: jobPageSize, LabelSelector: fmt.Sprintf("%s in (%s,%s)", v1alpha1.UpgradeJobPlanLabel, v1alpha1.MasterPlan, v1alpha1.WorkerPlan)}
	err := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return cs.BatchV1().Jobs(v1alpha1.AgentNamespace).List(ctx, opts)
	})).EachListItem(ctx, opts, func(o runtime.Object) error {
		j := o.(*batchv1.Job)
		msg, failed := jobFailed(j)
		if failed && len(kept) < maxKeptFailedJobs {
			kept = append(kept, trimmedFailedJob(j, msg))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing upgrade jobs in %s: %w", v1alpha1.AgentNamespace, err)
	}
	return kept, nil
}

// trimmedFailedJob is j as Summarize reads a failed one: name, plan and node labels, and its
// Failed condition with the message cut to maxFailedJobReason bytes.
func trimmedFailedJob(j *batchv1.Job, msg string) batchv1.Job {
	if len(msg) > maxFailedJobReason {
		msg = msg[:maxFailedJobReason] + "…"
	}
	t := batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: j.Name, Labels: map[string]string{
		v1alpha1.UpgradeJobPlanLabel: j.Labels[v1alpha1.UpgradeJobPlanLabel], v1alpha1.UpgradeJobNodeLabel: j.Labels[v1alpha1.UpgradeJobNodeLabel]}}}
	t.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Message: msg}}
	return t
}

// Progress is the upgrade status of ic for its status.upgrade, and whether every node runs
// spec.k3s.version, from the nodes the caller read (with at least what the sync's probe keeps
// of them). Without a version asked for it returns nil, true.
func Progress(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, ic *v1alpha1.ImportedCluster, nodes []corev1.Node) (*v1alpha1.UpgradeStatus, bool, error) {
	if ic.Spec.K3s == nil || ic.Spec.K3s.Version == "" {
		return nil, true, nil
	}
	r, err := ObserveWith(ctx, cs, dyn, ic.Spec.K3s.Version, nodes)
	if err != nil {
		return nil, false, err
	}
	return r.Status(), r.Complete(), nil
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

// ControllerPresent says whether the system-upgrade-controller's Deployment exists in
// cattle-system.
func ControllerPresent(ctx context.Context, cs kubernetes.Interface) (bool, error) {
	_, err := cs.AppsV1().Deployments(v1alpha1.AgentNamespace).Get(ctx, v1alpha1.UpgradeController, metav1.GetOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("reading deployment %s/%s: %w", v1alpha1.AgentNamespace, v1alpha1.UpgradeController, err)
}
