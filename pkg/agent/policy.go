package agent

import (
	"strconv"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The fence: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+)
// that narrows what the agent's RBAC allows by name, label and content, which RBAC cannot.
// It applies only to requests made as the agent ServiceAccount; everyone else is unaffected.
// See docs/agent-rights.md.
//
// PolicyName names the ValidatingAdmissionPolicy and its binding.
const PolicyName = "kimport-agent-fence"

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
		ObjectMeta: metav1.ObjectMeta{Name: PolicyName, Labels: v1alpha1.ImportLabels(cluster)},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{
				rule("rbac.authorization.k8s.io", "clusterrolebindings", "clusterroles"),
				rule("", "namespaces", "configmaps", "pods", "secrets", "serviceaccounts/token"),
				rule("coordination.k8s.io", "leases"),
				rule("apps", "deployments"),
				rule(v1alpha1.PlanGVR.Group, "plans"),
				rule(v1alpha1.ClusterPropertyGVR.Group, v1alpha1.ClusterPropertyGVR.Resource),
			}},
			MatchConditions: []admissionregistrationv1.MatchCondition{
				{Name: "is-the-agent", Expression: "request.userInfo.username == " + q(v1alpha1.AgentUser)},
			},
			Variables: fenceVariables(),
			Validations: []admissionregistrationv1.Validation{
				validation(crbNameRule, "the agent may only create, change or delete ClusterRoleBindings named "+MemberBindingPrefix+
					"* labelled "+v1alpha1.MemberLabel+"=true and "+v1alpha1.ManagedByLabel+"="+v1alpha1.ManagedByValue),
				validation(crbRoleRule, "a member ClusterRoleBinding may only bind ClusterRole cluster-admin or view"),
				validation(crbSubjectRule, "a member ClusterRoleBinding may only name Users and Groups: no system: Group, no system: User "+
					"other than system:serviceaccount:<namespace>:<name>, and never the agent itself"),
				validation(clusterRoleRule, "the agent may only delete its own ClusterRole "+v1alpha1.AgentClusterRole+" and update ClusterRole "+v1alpha1.ImpersonatorClusterRole+
					" to impersonate, by name, users that are not system: users (but "+gatewayapi.GroupMemberUser+"), groups that are not system: groups and the user extra "+
					gatewayapi.HubUserExtra+", nothing else; its labels, annotations, owners and finalizers stay and it aggregates nothing"),
				validation(tokenRule, "the agent may only request tokens of serviceaccounts "+v1alpha1.AgentNamespace+"/"+v1alpha1.AgentServiceAccount+" and "+
					v1alpha1.AgentNamespace+"/"+v1alpha1.ImpersonatorServiceAccount+", the impersonator's for at most "+strconv.Itoa(int(ImpersonatorMaxTokenLifetime/time.Second))+
					" seconds (spec.expirationSeconds)"),
				validation(namespaceRule, "the agent may only set or remove the label "+v1alpha1.ProjectLabel+
					" of a namespace; every other label, annotation, owner, finalizer and the spec must stay"),
				validation(configMapRule, "in "+v1alpha1.AgentNamespace+" the agent may only update data."+v1alpha1.MarkerHubPhase+" of configmap "+v1alpha1.MarkerConfigMap+
					" and data."+v1alpha1.UpgradeControllerDebug+" (true or false) of configmap "+v1alpha1.UpgradeControllerConfigMap+" or "+v1alpha1.UpgradeControllerUpstreamConfigMap),
				validation(deploymentRule, "the agent may only update deployment "+v1alpha1.AgentNamespace+"/"+v1alpha1.UpgradeController+
					", and not its pod template, owners or finalizers"),
				validation(podRule, "the agent may only delete the pods of the system-upgrade-controller in "+v1alpha1.AgentNamespace+
					" (label "+v1alpha1.UpgradeControllerLabel+"="+v1alpha1.UpgradeController+")"),
				validation(planRule, "the agent may only write plans "+v1alpha1.MasterPlan+" and "+v1alpha1.WorkerPlan+" in "+v1alpha1.AgentNamespace+
					", running image "+v1alpha1.K3sUpgradeImage+" as "+v1alpha1.UpgradeController+", with no secrets, a K3s version (vX.Y.Z+k3sN, no channel) "+
					"and the node selector of its pool ("+v1alpha1.NodeRoleControlPlane+" In [true] for "+v1alpha1.MasterPlan+", DoesNotExist for "+v1alpha1.WorkerPlan+")"),
				validation(secretRule, "the agent may only update data."+v1alpha1.AgentHubKeyToken+" of secret "+v1alpha1.AgentNamespace+"/"+v1alpha1.AgentHubSecret+
					" (renewing its hub token); every other key, label, annotation, owner and finalizer must stay"),
				validation(leaseRule, "the agent may only write lease "+v1alpha1.AgentNamespace+"/"+v1alpha1.AgentLeaderElection+" (its leader election)"),
				validation(clusterPropertyRule, "the agent may only write the clusterproperties "+v1alpha1.ClusterIDProperty+" and "+v1alpha1.ClusterSetProperty+
					" (about.k8s.io), labelled "+v1alpha1.ManagedByLabel+"="+v1alpha1.ManagedByValue),
			},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: PolicyName, Labels: v1alpha1.ImportLabels(cluster)},
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
		{Name: "freeKey", Expression: "variables.name == " + q(v1alpha1.MarkerConfigMap) + " ? " + q(v1alpha1.MarkerHubPhase) + " : " + q(v1alpha1.UpgradeControllerDebug)},
		{Name: "newData", Expression: "object.?data.orValue({})"},
		{Name: "oldData", Expression: "oldObject.?data.orValue({})"},
	}
}

// The validations. Each one concerns one resource and lets every other through.
var (
	crbNameRule = "variables.resource != 'rbac.authorization.k8s.io/clusterrolebindings' || (" +
		"variables.name.startsWith(" + q(MemberBindingPrefix) + ") && " +
		"variables.labels[?" + q(v1alpha1.MemberLabel) + "].orValue('') == 'true' && " +
		"variables.labels[?" + q(v1alpha1.ManagedByLabel) + "].orValue('') == " + q(v1alpha1.ManagedByValue) + ")"

	crbRoleRule = "variables.resource != 'rbac.authorization.k8s.io/clusterrolebindings' || request.operation == 'DELETE' || (" +
		"object.roleRef.apiGroup == 'rbac.authorization.k8s.io' && object.roleRef.kind == 'ClusterRole' && " +
		"object.roleRef.name in ['cluster-admin', 'view'])"

	crbSubjectRule = "variables.resource != 'rbac.authorization.k8s.io/clusterrolebindings' || request.operation == 'DELETE' || " +
		"object.?subjects.orValue([]).all(s, s.kind in ['User', 'Group'] && " +
		"!(s.kind == 'Group' && s.name.startsWith('system:')) && " +
		"!(s.kind == 'User' && s.name.startsWith('system:') && !s.name.matches('^system:serviceaccount:[^:]+:[^:]+$')) && " +
		"s.name != " + q(v1alpha1.AgentUser) + ")"

	namespaceRule = "variables.resource != '/namespaces' || (request.operation == 'UPDATE' && " +
		"variables.newLabels.all(k, k == " + q(v1alpha1.ProjectLabel) + " || (k in variables.oldLabels && variables.oldLabels[k] == variables.newLabels[k])) && " +
		"variables.oldLabels.all(k, k == " + q(v1alpha1.ProjectLabel) + " || k in variables.newLabels) && " +
		"variables.metaKept && object.?spec.?finalizers.orValue([]) == oldObject.?spec.?finalizers.orValue([]))"

	configMapRule = "variables.resource != '/configmaps' || (request.namespace == " + q(v1alpha1.AgentNamespace) + " && request.operation == 'UPDATE' && " +
		"variables.name in [" + q(v1alpha1.MarkerConfigMap) + ", " + q(v1alpha1.UpgradeControllerConfigMap) + ", " + q(v1alpha1.UpgradeControllerUpstreamConfigMap) + "] && " +
		"variables.metaKept && variables.newLabels == variables.oldLabels && " +
		"object.?binaryData.orValue({}) == oldObject.?binaryData.orValue({}) && " +
		"object.?immutable.orValue(false) == oldObject.?immutable.orValue(false) && " +
		"variables.newData.all(k, k == variables.freeKey || (k in variables.oldData && variables.oldData[k] == variables.newData[k])) && " +
		"variables.oldData.all(k, k == variables.freeKey || k in variables.newData) && " +
		"(variables.name == " + q(v1alpha1.MarkerConfigMap) + " || variables.newData[?" + q(v1alpha1.UpgradeControllerDebug) + "].orValue('false') in ['true', 'false']))"

	deploymentRule = "variables.resource != 'apps/deployments' || (request.namespace == " + q(v1alpha1.AgentNamespace) + " && request.operation == 'UPDATE' && " +
		"variables.name == " + q(v1alpha1.UpgradeController) + " && variables.metaKept && object.spec.template == oldObject.spec.template)"

	podRule = "variables.resource != '/pods' || (request.namespace == " + q(v1alpha1.AgentNamespace) + " && request.operation == 'DELETE' && " +
		"variables.labels[?" + q(v1alpha1.UpgradeControllerLabel) + "].orValue('') == " + q(v1alpha1.UpgradeController) + ")"

	planRule = "variables.resource != 'upgrade.cattle.io/plans' || (request.namespace == " + q(v1alpha1.AgentNamespace) + " && " +
		"variables.name in [" + q(v1alpha1.MasterPlan) + ", " + q(v1alpha1.WorkerPlan) + "] && (request.operation == 'DELETE' || (" +
		"object.spec.?serviceAccountName.orValue('') == " + q(v1alpha1.UpgradeController) + " && " +
		"object.spec.upgrade.all(k, k == 'image') && object.spec.upgrade.image == " + q(v1alpha1.K3sUpgradeImage) + " && " +
		"(!has(object.spec.prepare) || (object.spec.prepare.all(k, k in ['image', 'args']) && " +
		"object.spec.prepare.image.startsWith(" + q(v1alpha1.K3sUpgradeImage+":") + ") && " +
		"object.spec.prepare.?args.orValue([]) == ['prepare', " + q(v1alpha1.MasterPlan) + "])) && " +
		"!has(object.spec.secrets) && " +
		// A version the hub checked, never a channel (a URL that names the version itself)...
		"!has(object.spec.channel) && object.spec.?version.orValue('').matches(" + q(k3sVersionPattern) + ") && " +
		// ... on the pool the plan is named after: servers (control plane) or the rest.
		"!has(object.spec.nodeSelector.matchLabels) && object.spec.nodeSelector.?matchExpressions.orValue([]).size() == 1 && " +
		"object.spec.nodeSelector.matchExpressions[0].key == " + q(v1alpha1.NodeRoleControlPlane) + " && " +
		"(variables.name == " + q(v1alpha1.MasterPlan) +
		" ? object.spec.nodeSelector.matchExpressions[0].operator == 'In' && object.spec.nodeSelector.matchExpressions[0].?values.orValue([]) == ['true']" +
		" : object.spec.nodeSelector.matchExpressions[0].operator == 'DoesNotExist' && object.spec.nodeSelector.matchExpressions[0].?values.orValue([]).size() == 0))))"

	// Agent mode: the agent renews its hub token and changes nothing else of its hub Secret
	// (the hub's URL and CA stay what the import pinned).
	secretRule = "variables.resource != '/secrets' || (request.namespace == " + q(v1alpha1.AgentNamespace) + " && request.operation == 'UPDATE' && " +
		"variables.name == " + q(v1alpha1.AgentHubSecret) + " && variables.metaKept && variables.newLabels == variables.oldLabels && " +
		"object.?immutable.orValue(false) == oldObject.?immutable.orValue(false) && " +
		"variables.newData.all(k, k == " + q(v1alpha1.AgentHubKeyToken) + " || (k in variables.oldData && variables.oldData[k] == variables.newData[k])) && " +
		"variables.oldData.all(k, k == " + q(v1alpha1.AgentHubKeyToken) + " || k in variables.newData))"

	// RBAC lets the agent create any Lease in cattle-system (a create cannot be restricted by
	// name); only its leader election's is its own.
	// The About API: only the two ClusterProperties, and only as the import's (labelled): a
	// property another cluster manager wrote stays as it is.
	clusterPropertyRule = "variables.resource != " + q(v1alpha1.ClusterPropertyGVR.Group+"/"+v1alpha1.ClusterPropertyGVR.Resource) + " || (" +
		"variables.name in [" + q(v1alpha1.ClusterIDProperty) + ", " + q(v1alpha1.ClusterSetProperty) + "] && " +
		"variables.labels[?" + q(v1alpha1.ManagedByLabel) + "].orValue('') == " + q(v1alpha1.ManagedByValue) + " && " +
		"(request.operation != 'UPDATE' || variables.oldLabels[?" + q(v1alpha1.ManagedByLabel) + "].orValue('') == " + q(v1alpha1.ManagedByValue) + "))"

	// The impersonator's ClusterRole holds what ImpersonatorRules makes, in any order: each
	// rule impersonate only, on users or groups by name (never a system: group, never a
	// system: user but the group members' placeholder: ServiceAccounts are system: users), or
	// on the one user extra. Its own ClusterRole the agent may delete (disconnecting), nothing
	// else. (RBAC gives no create of ClusterRoles; escalate and update of the impersonator's.)
	clusterRoleRule = "variables.resource != 'rbac.authorization.k8s.io/clusterroles' || (request.operation == 'DELETE' ? variables.name == " + q(v1alpha1.AgentClusterRole) + " : (" +
		"request.operation == 'UPDATE' && variables.name == " + q(v1alpha1.ImpersonatorClusterRole) + " && variables.metaKept && variables.newLabels == variables.oldLabels && " +
		"!has(object.aggregationRule) && (type(object.?rules.orValue([])) == null_type ? [] : object.rules).all(r, r.verbs == ['impersonate'] && !has(r.nonResourceURLs) && (" +
		"(r.apiGroups == [''] && r.resources == ['users'] && r.?resourceNames.orValue([]).size() > 0 && " +
		"r.resourceNames.all(n, !n.startsWith('system:') || n == " + q(gatewayapi.GroupMemberUser) + ")) || " +
		"(r.apiGroups == [''] && r.resources == ['groups'] && r.?resourceNames.orValue([]).size() > 0 && r.resourceNames.all(n, !n.startsWith('system:'))) || " +
		"(r.apiGroups == ['authentication.k8s.io'] && r.resources == [" + q(userExtrasResource) + "])))))"

	// Tokens: its own (the hub renews it in direct mode) and the impersonator's, short. (The
	// API server fills in its own audiences before admission, so they cannot be checked here;
	// a token for another audience impersonates no one.) request.name is the ServiceAccount's; a TokenRequest
	// has no name of its own.
	tokenRule = "variables.resource != '/serviceaccounts' || (request.subResource == 'token' && request.operation == 'CREATE' && request.namespace == " + q(v1alpha1.AgentNamespace) + " && " +
		"(request.name == " + q(v1alpha1.AgentServiceAccount) + " || (request.name == " + q(v1alpha1.ImpersonatorServiceAccount) + " && " +
		"object.spec.?expirationSeconds.orValue(0) > 0 && object.spec.expirationSeconds <= " + strconv.Itoa(int(ImpersonatorMaxTokenLifetime/time.Second)) + ")))"

	leaseRule = "variables.resource != 'coordination.k8s.io/leases' || (request.namespace == " + q(v1alpha1.AgentNamespace) + " && " +
		"variables.name == " + q(v1alpha1.AgentLeaderElection) + ")"
)
