package agent

import (
	"strconv"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The upgrade fence: the hub's upgrade rules (pkg/validate Upgrade) held for the Plans the
// agent writes, so that a leaked agent token cannot upgrade around the hub's webhook. A
// ValidatingAdmissionPolicy cannot list objects, so each rule takes what it compares against
// as parameters (docs/agent-rights.md says why these):
//
//   - no downgrade: PolicyVersion takes every Node as a parameter (a selector over Nodes; the
//     API server evaluates the policy once per Node and every evaluation must pass): a plan's
//     version may not be older than any node's kubelet version. It follows the nodes as they
//     are, and needs nothing kept up to date.
//   - quorum: PolicyQuorum takes the ConfigMap UpgradeLimitsName, which the import writes with
//     the embedded-etcd members it counted and the agent may not write (the fence refuses every
//     ConfigMap write but three named ones): k3s-master-plan's concurrency may not exceed
//     max(1, ⌊(n−1)/2⌋). Re-running the import refreshes the count; the sync also clamps the
//     plan to the members it has just observed.
const (
	// PolicyQuorum names the quorum policy and its binding.
	PolicyQuorum = PolicyName + "-quorum"
	// PolicyVersion names the no-downgrade policy and its binding.
	PolicyVersion = PolicyName + "-version"
	// UpgradeLimitsName is the ConfigMap in cattle-system the quorum policy reads.
	UpgradeLimitsName = "kimport-upgrade-limits"
	// UpgradeLimitsEtcdMembers is its key: how many embedded-etcd members the import counted
	// (nodes labelled node-role.kubernetes.io/etcd); 0 means no embedded etcd, hence no limit.
	UpgradeLimitsEtcdMembers = "etcdMembers"
)

// UpgradeLimits is the ConfigMap the quorum policy reads: the embedded-etcd members the import
// counted.
func UpgradeLimits(cluster string, etcdMembers int) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: UpgradeLimitsName, Namespace: v1alpha1.AgentNamespace, Labels: v1alpha1.ImportLabels(cluster)},
		Data:       map[string]string{UpgradeLimitsEtcdMembers: strconv.Itoa(max(0, etcdMembers))},
	}
}

// UpgradeFence is the quorum and no-downgrade policies with their bindings, labelled like the
// other agent objects (and, once applied, owned by the agent ClusterRole like them).
func UpgradeFence(cluster string) []metav1.Object {
	fail := admissionregistrationv1.Fail
	forbidden := metav1.StatusReasonForbidden
	writes := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	plans := &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
		RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: writes, Rule: admissionregistrationv1.Rule{
			APIGroups: []string{v1alpha1.PlanGVR.Group}, APIVersions: []string{"*"}, Resources: []string{"plans"}}},
	}}}
	agentWrites := func(names ...string) []admissionregistrationv1.MatchCondition {
		quoted := ""
		for i, n := range names {
			if i > 0 {
				quoted += ", "
			}
			quoted += q(n)
		}
		return []admissionregistrationv1.MatchCondition{
			{Name: "is-the-agent", Expression: "request.userInfo.username == " + q(v1alpha1.AgentUser)},
			{Name: "is-an-upgrade-plan", Expression: "request.namespace == " + q(v1alpha1.AgentNamespace) + " && object.metadata.name in [" + quoted + "]"},
		}
	}
	policy := func(name string, kind *admissionregistrationv1.ParamKind, conditions []admissionregistrationv1.MatchCondition,
		variables []admissionregistrationv1.Variable, v admissionregistrationv1.Validation) *admissionregistrationv1.ValidatingAdmissionPolicy {
		v.Reason = &forbidden
		return &admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: v1alpha1.ImportLabels(cluster)},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{FailurePolicy: &fail, ParamKind: kind, MatchConstraints: plans,
				MatchConditions: conditions, Variables: variables, Validations: []admissionregistrationv1.Validation{v}},
		}
	}
	binding := func(name string, ref *admissionregistrationv1.ParamRef) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
		return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: v1alpha1.ImportLabels(cluster)},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: name, ParamRef: ref,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
		}
	}
	deny, allow := admissionregistrationv1.DenyAction, admissionregistrationv1.AllowAction

	quorum := policy(PolicyQuorum, &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"}, agentWrites(v1alpha1.MasterPlan),
		[]admissionregistrationv1.Variable{
			{Name: "members", Expression: "int(params.?data[?" + q(UpgradeLimitsEtcdMembers) + "].orValue('0'))"},
			{Name: "limit", Expression: "variables.members <= 2 ? 1 : (variables.members - 1) / 2"},
			{Name: "concurrency", Expression: "object.spec.?concurrency.orValue(0)"},
		},
		admissionregistrationv1.Validation{
			Expression: "variables.members <= 0 || variables.concurrency <= variables.limit",
			MessageExpression: "'kimport-agent fence: " + v1alpha1.MasterPlan + " may upgrade at most ' + string(variables.limit) + ' of the ' + " +
				"string(variables.members) + ' embedded-etcd servers at once, not ' + string(variables.concurrency) + ', or etcd loses quorum " +
				"(the members the import counted, configmap " + v1alpha1.AgentNamespace + "/" + UpgradeLimitsName + "; re-run the import after adding etcd members)'",
		})
	version := policy(PolicyVersion, &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "Node"}, agentWrites(v1alpha1.MasterPlan, v1alpha1.WorkerPlan),
		[]admissionregistrationv1.Variable{
			{Name: "planVersion", Expression: "object.spec.?version.orValue('')"},
			{Name: "nodeVersion", Expression: "params.status.?nodeInfo.?kubeletVersion.orValue('')"},
			{Name: "planParsed", Expression: "variables.planVersion.matches(" + q(k3sVersionPattern) + ")"},
			{Name: "nodeParsed", Expression: "variables.nodeVersion.matches(" + q(kubeletVersionPattern) + ")"},
			{Name: "planKey", Expression: "variables.planParsed ? " + versionKey("variables.planVersion") + " : 0"},
			{Name: "nodeKey", Expression: "variables.nodeParsed ? " + versionKey("variables.nodeVersion") + " : 0"},
		},
		admissionregistrationv1.Validation{
			Expression: "!variables.nodeParsed || (variables.planParsed && variables.planKey >= variables.nodeKey)",
			MessageExpression: "'kimport-agent fence: plan ' + object.metadata.name + (variables.planParsed " +
				"? ' may not downgrade: its version ' + variables.planVersion + ' is older than ' + variables.nodeVersion + ', which node ' + params.metadata.name + ' runs (K3s cannot be downgraded)' " +
				": ' must name a K3s version vX.Y.Z+k3sN (spec.version, no channel), not \\'' + variables.planVersion + '\\'')",
		})
	return []metav1.Object{
		quorum, binding(PolicyQuorum, &admissionregistrationv1.ParamRef{Name: UpgradeLimitsName, Namespace: v1alpha1.AgentNamespace, ParameterNotFoundAction: &deny}),
		version, binding(PolicyVersion, &admissionregistrationv1.ParamRef{Selector: &metav1.LabelSelector{}, ParameterNotFoundAction: &allow}),
	}
}

// Versions as CEL compares them: a plan's is exactly vMAJOR.MINOR.PATCH+k3sN (the CRD's and
// the hub's form); a node's kubelet version vMAJOR.MINOR.PATCH, then anything (+k3sN on K3s).
// Each number has at most 4 digits, so versionKey cannot overflow.
const (
	k3sVersionPattern     = `^v[0-9]{1,4}[.][0-9]{1,4}[.][0-9]{1,4}[+]k3s[0-9]{1,4}$`
	kubeletVersionPattern = `^v[0-9]{1,4}[.][0-9]{1,4}[.][0-9]{1,4}([-+].*)?$`
	k3sSuffixPattern      = `[+]k3s[0-9]{1,4}$`
)

// versionKey is CEL for one int that orders K3s versions as K3s does, from the string v
// (matching kubeletVersionPattern): MAJOR, MINOR, PATCH, then the K3s release N (0 without
// +k3sN), 10⁴ apart.
func versionKey(v string) string {
	parts := v + ".substring(1).split('+')[0].split('-')[0].split('.')"
	return "((int(" + parts + "[0]) * 10000 + int(" + parts + "[1])) * 10000 + int(" + parts + "[2])) * 10000 + " +
		"(" + v + ".matches(" + q(k3sSuffixPattern) + ") ? int(" + v + ".split('+k3s')[1]) : 0)"
}
