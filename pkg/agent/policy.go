package agent

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The fence: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+)
// that narrows what the agent's RBAC allows by name, label and content, which RBAC cannot.
// It applies only to requests made as the agent ServiceAccount; everyone else is unaffected.
// See docs/agent-rights.md.
const (
	// PolicyName names the ValidatingAdmissionPolicy and its binding.
	PolicyName = "kimport-agent-fence"
	// AgentUser is the user name the API server gives the agent ServiceAccount.
	AgentUser = "system:serviceaccount:" + Namespace + ":" + ServiceAccount
)

// What the agent does in cattle-system for the system-upgrade-controller. These are
// pkg/k3s's names, repeated here because pkg/k3s imports this package; the fence's tests
// check that they agree.
const (
	fenceControllerName    = "system-upgrade-controller"
	fenceControllerLabel   = "upgrade.cattle.io/controller"
	fenceControllerDebug   = "SYSTEM_UPGRADE_CONTROLLER_DEBUG"
	fenceMasterPlan        = "k3s-master-plan"
	fenceWorkerPlan        = "k3s-worker-plan"
	fenceUpgradeImage      = "rancher/k3s-upgrade"
	fenceRancherConfigMap  = "system-upgrade-controller-config"
	fenceUpstreamConfigMap = "default-controller-env"
)

// q quotes s as a CEL string literal (the names used here have no quote or backslash).
func q(s string) string { return "'" + s + "'" }

// Policy is the fence and its binding, labelled like the other agent objects. Like them, it
// gets the agent ClusterRole as owner when applied, so deleting that ClusterRole removes it.
func Policy(cluster string) (*admissionregistrationv1.ValidatingAdmissionPolicy, *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
	fail := admissionregistrationv1.Fail
	forbidden := metav1.StatusReasonForbidden
	writes := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete}
	rule := func(group string, resources ...string) admissionregistrationv1.NamedRuleWithOperations {
		return admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: writes,
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"*"}, Resources: resources},
		}}
	}
	validation := func(expression, message string) admissionregistrationv1.Validation {
		return admissionregistrationv1.Validation{Expression: expression, Message: "kimport-agent fence: " + message, Reason: &forbidden}
	}
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: PolicyName, Labels: Labels(cluster)},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{
				rule("rbac.authorization.k8s.io", "clusterrolebindings"),
				rule("", "namespaces", "configmaps", "pods", "secrets"),
				rule("coordination.k8s.io", "leases"),
				rule("apps", "deployments"),
				rule("upgrade.cattle.io", "plans"),
				rule(ClusterPropertyGVR.Group, ClusterPropertyGVR.Resource),
			}},
			MatchConditions: []admissionregistrationv1.MatchCondition{
				{Name: "is-the-agent", Expression: "request.userInfo.username == " + q(AgentUser)},
			},
			Variables: fenceVariables(),
			Validations: []admissionregistrationv1.Validation{
				validation(crbNameRule, "the agent may only create, change or delete ClusterRoleBindings named "+MemberBindingPrefix+
					"* labelled "+MemberLabel+"=true and "+v1alpha1.ManagedByLabel+"="+v1alpha1.ManagedByValue),
				validation(crbRoleRule, "a member ClusterRoleBinding may only bind ClusterRole cluster-admin or view"),
				validation(crbSubjectRule, "a member ClusterRoleBinding may only name Users and Groups: no system: Group, no system: User "+
					"other than system:serviceaccount:<namespace>:<name>, and never the agent itself"),
				validation(namespaceRule, "the agent may only set or remove the label "+v1alpha1.ProjectLabel+
					" of a namespace; every other label, annotation, owner, finalizer and the spec must stay"),
				validation(configMapRule, "in "+Namespace+" the agent may only update data."+MarkerHubPhase+" of configmap "+MarkerConfigMap+
					" and data."+fenceControllerDebug+" (true or false) of configmap "+fenceRancherConfigMap+" or "+fenceUpstreamConfigMap),
				validation(deploymentRule, "the agent may only update deployment "+Namespace+"/"+fenceControllerName+
					", and not its pod template, owners or finalizers"),
				validation(podRule, "the agent may only delete the pods of the system-upgrade-controller in "+Namespace+
					" (label "+fenceControllerLabel+"="+fenceControllerName+")"),
				validation(planRule, "the agent may only write plans "+fenceMasterPlan+" and "+fenceWorkerPlan+" in "+Namespace+
					", running image "+fenceUpgradeImage+" as "+fenceControllerName+", with no secrets, a K3s version (vX.Y.Z+k3sN, no channel) "+
					"and the node selector of its pool ("+fenceControlPlaneLabel+" In [true] for "+fenceMasterPlan+", DoesNotExist for "+fenceWorkerPlan+")"),
				validation(secretRule, "the agent may only update data."+HubKeyToken+" of secret "+Namespace+"/"+HubSecretName+
					" (renewing its hub token); every other key, label, annotation, owner and finalizer must stay"),
				validation(leaseRule, "the agent may only write lease "+Namespace+"/"+LeaderElectionID+" (its leader election)"),
				validation(clusterPropertyRule, "the agent may only write the clusterproperties "+ClusterIDProperty+" and "+ClusterSetProperty+
					" (about.k8s.io), labelled "+v1alpha1.ManagedByLabel+"="+v1alpha1.ManagedByValue),
			},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: PolicyName, Labels: Labels(cluster)},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        PolicyName,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
	return policy, binding
}

// fenceVariables are evaluated lazily: a variable naming oldObject is only read on UPDATE or
// DELETE.
func fenceVariables() []admissionregistrationv1.Variable {
	return []admissionregistrationv1.Variable{
		{Name: "resource", Expression: "request.resource.group + '/' + request.resource.resource"},
		{Name: "obj", Expression: "request.operation == 'DELETE' ? oldObject : object"},
		{Name: "name", Expression: "variables.obj.metadata.name"},
		{Name: "labels", Expression: "variables.obj.metadata.?labels.orValue({})"},
		{Name: "newLabels", Expression: "object.metadata.?labels.orValue({})"},
		{Name: "oldLabels", Expression: "oldObject.metadata.?labels.orValue({})"},
		// UPDATE: annotations, owners and finalizers unchanged.
		{Name: "metaKept", Expression: "object.metadata.?annotations.orValue({}) == oldObject.metadata.?annotations.orValue({}) && " +
			"object.metadata.?ownerReferences.orValue([]) == oldObject.metadata.?ownerReferences.orValue([]) && " +
			"object.metadata.?finalizers.orValue([]) == oldObject.metadata.?finalizers.orValue([])"},
		// The one data key of a ConfigMap the agent may change.
		{Name: "freeKey", Expression: "variables.name == " + q(MarkerConfigMap) + " ? " + q(MarkerHubPhase) + " : " + q(fenceControllerDebug)},
		{Name: "newData", Expression: "object.?data.orValue({})"},
		{Name: "oldData", Expression: "oldObject.?data.orValue({})"},
	}
}

// The validations. Each one concerns one resource and lets every other through.
var (
	crbNameRule = "variables.resource != 'rbac.authorization.k8s.io/clusterrolebindings' || (" +
		"variables.name.startsWith(" + q(MemberBindingPrefix) + ") && " +
		"variables.labels[?" + q(MemberLabel) + "].orValue('') == 'true' && " +
		"variables.labels[?" + q(v1alpha1.ManagedByLabel) + "].orValue('') == " + q(v1alpha1.ManagedByValue) + ")"

	crbRoleRule = "variables.resource != 'rbac.authorization.k8s.io/clusterrolebindings' || request.operation == 'DELETE' || (" +
		"object.roleRef.apiGroup == 'rbac.authorization.k8s.io' && object.roleRef.kind == 'ClusterRole' && " +
		"object.roleRef.name in ['cluster-admin', 'view'])"

	crbSubjectRule = "variables.resource != 'rbac.authorization.k8s.io/clusterrolebindings' || request.operation == 'DELETE' || " +
		"object.?subjects.orValue([]).all(s, s.kind in ['User', 'Group'] && " +
		"!(s.kind == 'Group' && s.name.startsWith('system:')) && " +
		"!(s.kind == 'User' && s.name.startsWith('system:') && !s.name.matches('^system:serviceaccount:[^:]+:[^:]+$')) && " +
		"s.name != " + q(AgentUser) + ")"

	namespaceRule = "variables.resource != '/namespaces' || (request.operation == 'UPDATE' && " +
		"variables.newLabels.all(k, k == " + q(v1alpha1.ProjectLabel) + " || (k in variables.oldLabels && variables.oldLabels[k] == variables.newLabels[k])) && " +
		"variables.oldLabels.all(k, k == " + q(v1alpha1.ProjectLabel) + " || k in variables.newLabels) && " +
		"variables.metaKept && object.?spec.?finalizers.orValue([]) == oldObject.?spec.?finalizers.orValue([]))"

	configMapRule = "variables.resource != '/configmaps' || (request.namespace == " + q(Namespace) + " && request.operation == 'UPDATE' && " +
		"variables.name in [" + q(MarkerConfigMap) + ", " + q(fenceRancherConfigMap) + ", " + q(fenceUpstreamConfigMap) + "] && " +
		"variables.metaKept && variables.newLabels == variables.oldLabels && " +
		"object.?binaryData.orValue({}) == oldObject.?binaryData.orValue({}) && " +
		"object.?immutable.orValue(false) == oldObject.?immutable.orValue(false) && " +
		"variables.newData.all(k, k == variables.freeKey || (k in variables.oldData && variables.oldData[k] == variables.newData[k])) && " +
		"variables.oldData.all(k, k == variables.freeKey || k in variables.newData) && " +
		"(variables.name == " + q(MarkerConfigMap) + " || variables.newData[?" + q(fenceControllerDebug) + "].orValue('false') in ['true', 'false']))"

	deploymentRule = "variables.resource != 'apps/deployments' || (request.namespace == " + q(Namespace) + " && request.operation == 'UPDATE' && " +
		"variables.name == " + q(fenceControllerName) + " && variables.metaKept && object.spec.template == oldObject.spec.template)"

	podRule = "variables.resource != '/pods' || (request.namespace == " + q(Namespace) + " && request.operation == 'DELETE' && " +
		"variables.labels[?" + q(fenceControllerLabel) + "].orValue('') == " + q(fenceControllerName) + ")"

	planRule = "variables.resource != 'upgrade.cattle.io/plans' || (request.namespace == " + q(Namespace) + " && " +
		"variables.name in [" + q(fenceMasterPlan) + ", " + q(fenceWorkerPlan) + "] && (request.operation == 'DELETE' || (" +
		"object.spec.?serviceAccountName.orValue('') == " + q(fenceControllerName) + " && " +
		"object.spec.upgrade.all(k, k == 'image') && object.spec.upgrade.image == " + q(fenceUpgradeImage) + " && " +
		"(!has(object.spec.prepare) || (object.spec.prepare.all(k, k in ['image', 'args']) && " +
		"object.spec.prepare.image.startsWith(" + q(fenceUpgradeImage+":") + ") && " +
		"object.spec.prepare.?args.orValue([]) == ['prepare', " + q(fenceMasterPlan) + "])) && " +
		"!has(object.spec.secrets) && " +
		// A version the hub checked, never a channel (a URL that names the version itself)...
		"!has(object.spec.channel) && object.spec.?version.orValue('').matches(" + q(k3sVersionPattern) + ") && " +
		// ... on the pool the plan is named after: servers (control plane) or the rest.
		"!has(object.spec.nodeSelector.matchLabels) && object.spec.nodeSelector.?matchExpressions.orValue([]).size() == 1 && " +
		"object.spec.nodeSelector.matchExpressions[0].key == " + q(fenceControlPlaneLabel) + " && " +
		"(variables.name == " + q(fenceMasterPlan) +
		" ? object.spec.nodeSelector.matchExpressions[0].operator == 'In' && object.spec.nodeSelector.matchExpressions[0].?values.orValue([]) == ['true']" +
		" : object.spec.nodeSelector.matchExpressions[0].operator == 'DoesNotExist' && object.spec.nodeSelector.matchExpressions[0].?values.orValue([]).size() == 0))))"

	// Agent mode: the agent renews its hub token and changes nothing else of its hub Secret
	// (the hub's URL and CA stay what the import pinned).
	secretRule = "variables.resource != '/secrets' || (request.namespace == " + q(Namespace) + " && request.operation == 'UPDATE' && " +
		"variables.name == " + q(HubSecretName) + " && variables.metaKept && variables.newLabels == variables.oldLabels && " +
		"object.?immutable.orValue(false) == oldObject.?immutable.orValue(false) && " +
		"variables.newData.all(k, k == " + q(HubKeyToken) + " || (k in variables.oldData && variables.oldData[k] == variables.newData[k])) && " +
		"variables.oldData.all(k, k == " + q(HubKeyToken) + " || k in variables.newData))"

	// RBAC lets the agent create any Lease in cattle-system (a create cannot be restricted by
	// name); only its leader election's is its own.
	// The About API: only the two ClusterProperties, and only as the import's (labelled): a
	// property another cluster manager wrote stays as it is.
	clusterPropertyRule = "variables.resource != " + q(ClusterPropertyGVR.Group+"/"+ClusterPropertyGVR.Resource) + " || (" +
		"variables.name in [" + q(ClusterIDProperty) + ", " + q(ClusterSetProperty) + "] && " +
		"variables.labels[?" + q(v1alpha1.ManagedByLabel) + "].orValue('') == " + q(v1alpha1.ManagedByValue) + " && " +
		"(request.operation != 'UPDATE' || variables.oldLabels[?" + q(v1alpha1.ManagedByLabel) + "].orValue('') == " + q(v1alpha1.ManagedByValue) + "))"

	leaseRule = "variables.resource != 'coordination.k8s.io/leases' || (request.namespace == " + q(Namespace) + " && " +
		"variables.name == " + q(LeaderElectionID) + ")"
)
