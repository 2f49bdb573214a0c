package k3sops

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
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
)

// Observe reads what k3s.Summarize needs from the downstream: every node (paged), the two
// Plans and the failed upgrade Jobs in cattle-system. The agent's RBAC allows each read.
func Observe(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, target string) (*k3s.Rollout, error) {
	nodes, err := ListNodes(ctx, cs)
	if err != nil {
		return nil, err
	}
	return ObserveWith(ctx, cs, dyn, target, nodes)
}

// ObserveWith is Observe with the nodes the caller read (the sync's probe keeps what
// k3s.Summarize reads of each: name, labels, Ready, kubelet version).
func ObserveWith(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, target string, nodes []corev1.Node) (*k3s.Rollout, error) {
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
	return k3s.Summarize(target, nodes, plans, jobs), nil
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
// of each only a failed one is kept, trimmed to what k3s.Summarize reads (k3s.TrimFailedJob),
// and at most maxKeptFailedJobs of them: their number and size are the downstream's to choose.
const (
	jobPageSize       = 100
	maxKeptFailedJobs = 1000
)

// failedJobs are the failed upgrade Jobs of both plans, in the API server's (name) order.
func failedJobs(ctx context.Context, cs kubernetes.Interface) ([]batchv1.Job, error) {
	var kept []batchv1.Job
	opts := metav1.ListOptions{Limit: jobPageSize, LabelSelector: fmt.Sprintf("%s in (%s,%s)", v1alpha1.UpgradeJobPlanLabel, v1alpha1.MasterPlan, v1alpha1.WorkerPlan)}
	err := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return cs.BatchV1().Jobs(v1alpha1.AgentNamespace).List(ctx, opts)
	})).EachListItem(ctx, opts, func(o runtime.Object) error {
		if j, failed := k3s.TrimFailedJob(o.(*batchv1.Job)); failed && len(kept) < maxKeptFailedJobs {
			kept = append(kept, j)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing upgrade jobs in %s: %w", v1alpha1.AgentNamespace, err)
	}
	return kept, nil
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
