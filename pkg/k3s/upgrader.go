package k3s

import (
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Pinned images of `upgrader install` (the versions of Rancher's system-upgrade-controller
// chart); --image overrides the controller's.
const (
	DefaultControllerImage = "rancher/system-upgrade-controller:v0.14.2"
	DefaultKubectlImage    = "rancher/kubectl:v1.31.1"
)

// ControllerDefaults is the controller's environment as Rancher's chart sets it.
func ControllerDefaults() map[string]string {
	return map[string]string{
		v1alpha1.UpgradeControllerDebug:               "false",
		"SYSTEM_UPGRADE_CONTROLLER_THREADS":           "2",
		"SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS":  "900",
		"SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT":            "99",
		"SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY":        "IfNotPresent",
		"SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE":            DefaultKubectlImage,
		"SYSTEM_UPGRADE_JOB_PRIVILEGED":               "true",
		"SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH": "900",
		"SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL":        "15m",
	}
}

// ControllerRules are the controller's cluster-wide rights, named one by one (no '*'): it
// watches plans, nodes and jobs, labels and cordons nodes, drains them (evictions, pods,
// and the owners of pods), records events, elects a leader, and registers its CRD.
func ControllerRules() []rbacv1.PolicyRule {
	read := []string{"get", "list", "watch"}
	return []rbacv1.PolicyRule{
		{APIGroups: []string{v1alpha1.PlanGVR.Group}, Resources: []string{"plans", "plans/status"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch", "update", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
		{APIGroups: []string{"apps"}, Resources: []string{"daemonsets", "replicasets", "statefulsets"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"get", "create", "patch", "update"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "update"}, ResourceNames: []string{v1alpha1.UpgradeController}},
		{APIGroups: []string{"apiextensions.k8s.io"}, Resources: []string{"customresourcedefinitions"}, Verbs: []string{"get", "list", "watch", "create"}},
		{APIGroups: []string{"apiextensions.k8s.io"}, Resources: []string{"customresourcedefinitions"}, Verbs: []string{"update", "patch"}, ResourceNames: []string{"plans.upgrade.cattle.io"}},
	}
}

// ControllerNamespaceRules are its rights in cattle-system: the upgrade jobs, and the
// secrets plans may mount.
func ControllerNamespaceRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}},
	}
}

// ControllerObjects are what `upgrader install` applies in the downstream, in order, all
// labelled as the import's. The ConfigMap is applied separately (see v1alpha1.UpgradeControllerConfigMap),
// so that re-installing never resets a setting such as debug.
func ControllerObjects(cluster, image string) []scheme.Object {
	meta := func(namespace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: v1alpha1.UpgradeController, Namespace: namespace, Labels: v1alpha1.ImportLabels(cluster)}
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: v1alpha1.UpgradeController, Namespace: v1alpha1.AgentNamespace}}
	podLabels := map[string]string{v1alpha1.UpgradeControllerLabel: v1alpha1.UpgradeController}
	replicas := int32(1)
	deploy := &appsv1.Deployment{
		ObjectMeta: meta(v1alpha1.AgentNamespace),
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: podLabels},
			// Recreate: a second controller must never run beside the first.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(podLabels)},
				Spec:       controllerPodSpec(image),
			},
		},
	}
	return []scheme.Object{
		&corev1.ServiceAccount{ObjectMeta: meta(v1alpha1.AgentNamespace)},
		&rbacv1.ClusterRole{ObjectMeta: meta(""), Rules: ControllerRules()},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta(""), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: v1alpha1.UpgradeController}},
		&rbacv1.Role{ObjectMeta: meta(v1alpha1.AgentNamespace), Rules: ControllerNamespaceRules()},
		&rbacv1.RoleBinding{ObjectMeta: meta(v1alpha1.AgentNamespace), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: v1alpha1.UpgradeController}},
		deploy,
	}
}

// NewControllerConfigMap is the controller's ConfigMap with ControllerDefaults.
func NewControllerConfigMap(cluster string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.UpgradeControllerConfigMap, Namespace: v1alpha1.AgentNamespace, Labels: v1alpha1.ImportLabels(cluster)},
		Data:       ControllerDefaults(),
	}
}

func controllerPodSpec(image string) corev1.PodSpec {
	fieldEnv := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	serverTerm := func(key string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOpIn, Values: []string{"true"}}}}
	}
	return corev1.PodSpec{
		ServiceAccountName: v1alpha1.UpgradeController,
		// On a server: it must not be drained away by the plans it runs.
		Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{serverTerm(v1alpha1.NodeRoleControlPlane), serverTerm(v1alpha1.NodeRoleMaster)}}}},
		Tolerations: []corev1.Toleration{
			{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
			{Key: v1alpha1.NodeRoleControlPlane, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
			{Key: v1alpha1.NodeRoleMaster, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
			{Key: v1alpha1.NodeRoleEtcd, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		},
		Containers: []corev1.Container{{
			Name:            v1alpha1.UpgradeControllerContainer,
			Image:           image,
			ImagePullPolicy: corev1.PullIfNotPresent,
			EnvFrom:         []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: v1alpha1.UpgradeControllerConfigMap}}}},
			Env: []corev1.EnvVar{
				fieldEnv("SYSTEM_UPGRADE_CONTROLLER_NAME", "metadata.labels['"+v1alpha1.UpgradeControllerLabel+"']"),
				fieldEnv("SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", "metadata.namespace"),
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "etc-ssl", MountPath: "/etc/ssl", ReadOnly: true}, {Name: "tmp", MountPath: "/tmp"}},
		}},
		Volumes: []corev1.Volume{
			{Name: "etc-ssl", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc/ssl", Type: ptr(corev1.HostPathDirectoryOrCreate)}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// ConfigMapOf is the ConfigMap the controller container takes its environment from:
// Rancher's chart calls it system-upgrade-controller-config, older charts and upstream
// default-controller-env.
func ConfigMapOf(d *appsv1.Deployment) string {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != v1alpha1.UpgradeControllerContainer {
			continue
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef != nil {
				return from.ConfigMapRef.Name
			}
		}
	}
	return v1alpha1.UpgradeControllerConfigMap
}
