package k3stest

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
)

// SUC plays the system-upgrade-controller's part in tests: the controller cannot run here
// (no kubelets, no images). It writes what the controller writes, the way it does: Plan
// status (latestVersion, latestHash, applying), one Job per node labelled with plan and node,
// the label plan.upgrade.cattle.io/<plan>=<latestHash> on a finished node; and it makes the
// upgraded node's kubelet report the new version.
type SUC struct {
	T   testing.TB
	CS  kubernetes.Interface
	Dyn dynamic.Interface
}

// NewSUC plays the controller on the cluster cfg reaches (as cluster-admin).
func NewSUC(t testing.TB, cfg *rest.Config) SUC {
	return SUC{T: t, CS: kubernetes.NewForConfigOrDie(cfg), Dyn: dynamic.NewForConfigOrDie(cfg)}
}

// PlanStatus writes a plan's status.
func (s SUC) PlanStatus(plan, version, hash string, applying ...string) {
	s.T.Helper()
	ctx := context.Background()
	p, err := s.Dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).Get(ctx, plan, metav1.GetOptions{})
	if err != nil {
		s.T.Fatal(err)
	}
	apply := make([]any, len(applying))
	for i, n := range applying {
		apply[i] = n
	}
	status := map[string]any{"latestVersion": k3s.ImageTag(version), "latestHash": hash, "applying": apply,
		"conditions": []any{map[string]any{"type": "LatestResolved", "status": "True", "reason": "Version"}}}
	if err := unstructured.SetNestedField(p.Object, status, "status"); err != nil {
		s.T.Fatal(err)
	}
	if _, err := s.Dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		s.T.Fatalf("writing the status of plan %s: %v", plan, err)
	}
}

// Finish labels node as done by plan and makes its kubelet report version.
func (s SUC) Finish(node, plan, hash, version string) {
	s.T.Helper()
	ctx := context.Background()
	n, err := s.CS.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		s.T.Fatal(err)
	}
	n.Labels[v1alpha1.PlanNodeLabel(plan)] = hash
	if n, err = s.CS.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		s.T.Fatal(err)
	}
	n.Status.NodeInfo.KubeletVersion = version
	if _, err := s.CS.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		s.T.Fatal(err)
	}
}

// Job creates the upgrade Job of node; failed marks it failed as the Job controller would.
func (s SUC) Job(name, plan, node string, failed bool) {
	s.T.Helper()
	ctx := context.Background()
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: v1alpha1.AgentNamespace, Labels: map[string]string{v1alpha1.UpgradeJobPlanLabel: plan, v1alpha1.UpgradeJobNodeLabel: node}},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				NodeName: node, Containers: []corev1.Container{{Name: "upgrade", Image: v1alpha1.K3sUpgradeImage}}}},
		},
	}
	j, err := s.CS.BatchV1().Jobs(v1alpha1.AgentNamespace).Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		s.T.Fatal(err)
	}
	if !failed {
		return
	}
	now := metav1.Now()
	j.Status.StartTime = &now
	j.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastTransitionTime: now},
		{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastTransitionTime: now},
	}
	if _, err := s.CS.BatchV1().Jobs(v1alpha1.AgentNamespace).UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
		s.T.Fatalf("marking job %s failed: %v", name, err)
	}
}
