package agent

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// agentUID is the non-root user the agent runs as (distroless nonroot).
const agentUID int64 = 65532

// DefaultImage is the agent image of the given version (usually the hub's).
func DefaultImage(version string) string { return v1alpha1.ImageRepository + ":" + version }

// DeploymentOptions shape the agent's Deployment.
type DeploymentOptions struct {
	Cluster    string
	Image      string
	CAChecksum string // the hub CA's pin, "sha256:<hex>"; empty passes no --ca-checksum
	Env        []corev1.EnvVar
	// Tolerations replace DefaultTolerations when not nil (an empty list tolerates nothing).
	Tolerations []corev1.Toleration
	Replicas    int32 // 0 means 1
}

// DefaultTolerations let the agent run on control-plane nodes, as Rancher's cluster agent
// does: a cluster of control-plane nodes alone must still be reachable from the hub.
func DefaultTolerations() []corev1.Toleration {
	return []corev1.Toleration{
		{Key: v1alpha1.NodeRoleControlPlane, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: v1alpha1.NodeRoleMaster, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: "node-role.kubernetes.io/controlplane", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule},
		{Key: v1alpha1.NodeRoleEtcd, Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoExecute},
	}
}

// Deployment is the agent's Deployment in cattle-system, running as the downstream
// ServiceAccount kimport-agent, unprivileged.
func Deployment(o DeploymentOptions) *appsv1.Deployment {
	replicas := o.Replicas
	if replicas == 0 {
		replicas = 1
	}
	tolerations := o.Tolerations
	if tolerations == nil {
		tolerations = DefaultTolerations()
	}
	// No --cluster-name: the agent takes its cluster from its hub Secret, its one source.
	args := []string{"--leader-elect"}
	if o.CAChecksum != "" {
		args = append(args, "--ca-checksum="+o.CAChecksum)
	}
	selector := map[string]string{"app.kubernetes.io/name": v1alpha1.AgentDeployment}
	podLabels := v1alpha1.ImportLabels(o.Cluster)
	for k, v := range selector {
		podLabels[k] = v
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentDeployment, Namespace: v1alpha1.AgentNamespace, Labels: v1alpha1.ImportLabels(o.Cluster)},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					ServiceAccountName: v1alpha1.AgentServiceAccount,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(agentUID), RunAsGroup: ptr.To(agentUID),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Tolerations: append([]corev1.Toleration(nil), tolerations...),
					Containers: []corev1.Container{{
						Name:    v1alpha1.AgentDeployment,
						Image:   o.Image,
						Command: []string{"/kimport-agent"},
						Args:    args,
						Env:     append([]corev1.EnvVar(nil), o.Env...),
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(agentUID),
							ReadOnlyRootFilesystem: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false),
							Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
						},
					}},
				},
			},
		},
	}
}

// ParseTolerations parses repeated --agent-tolerations KEY[=VALUE]:EFFECT: KEY=VALUE
// tolerates that taint (Equal), KEY alone every value of it (Exists). nil when values is
// empty, so that Deployment uses DefaultTolerations.
func ParseTolerations(values []string) ([]corev1.Toleration, error) {
	var out []corev1.Toleration
	const example = "e.g. --agent-tolerations dedicated=infra:NoSchedule or --agent-tolerations node-role.kubernetes.io/control-plane:NoSchedule"
	for _, v := range values {
		i := strings.LastIndex(v, ":")
		if i < 0 {
			return nil, fmt.Errorf("invalid --agent-tolerations %q: want KEY[=VALUE]:EFFECT, %s", v, example)
		}
		keyValue, effect := v[:i], corev1.TaintEffect(v[i+1:])
		switch effect {
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			return nil, fmt.Errorf("invalid --agent-tolerations %q: the effect %q must be NoSchedule, PreferNoSchedule or NoExecute, %s", v, effect, example)
		}
		key, value, hasValue := strings.Cut(keyValue, "=")
		if errs := validation.IsQualifiedName(key); len(errs) > 0 {
			return nil, fmt.Errorf("invalid --agent-tolerations %q: the key %q: %s; %s", v, key, strings.Join(errs, "; "), example)
		}
		t := corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect}
		if hasValue {
			if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
				return nil, fmt.Errorf("invalid --agent-tolerations %q: the value %q: %s; %s", v, value, strings.Join(errs, "; "), example)
			}
			t.Operator, t.Value = corev1.TolerationOpEqual, value
		}
		out = append(out, t)
	}
	return out, nil
}

// shownName bounds a name repeated in an error.
func shownName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
