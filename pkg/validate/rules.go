package validate

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Rule names one rule of the hub (docs/architecture.md lists what each refuses). Every
// refusal carries its rule: Result.Rules here, and in the webhook's answer the type of each
// of the Status' details.causes (Rule.CauseType), next to the field path it refused. The
// plugin reads the rule back with RuleOfCause, so the webhook and the plugin cannot drift.
type Rule string

// The rules, in the order ImportedCluster applies them (StatusWrite guards the status
// subresource alone).
const (
	RuleJoin         Rule = "Join"
	RuleAgent        Rule = "Agent"
	RuleIdentity     Rule = "Identity"
	RuleCredentials  Rule = "Credentials"
	RuleMembers      Rule = "Members"
	RuleProjects     Rule = "Projects"
	RuleCapabilities Rule = "Capabilities"
	RuleUpgrade      Rule = "Upgrade"
	RuleHubMetadata  Rule = "HubMetadata"
	RuleHubSpec      Rule = "HubSpec"
	RuleStatusWrite  Rule = "StatusWrite"
)

// Rules are every rule.
var Rules = []Rule{RuleJoin, RuleAgent, RuleIdentity, RuleCredentials, RuleMembers, RuleProjects, RuleCapabilities, RuleUpgrade, RuleHubMetadata, RuleHubSpec, RuleStatusWrite}

// causeTypePrefix starts the cause type of every refusal: kimport.dev/RULE.
var causeTypePrefix = v1alpha1.GroupVersion.Group + "/"

// CauseType is the type of the status causes by which the webhook refuses under rule r.
func (r Rule) CauseType() metav1.CauseType { return metav1.CauseType(causeTypePrefix + string(r)) }

// Description is what the rule protects, as the plugin names it.
func (r Rule) Description() string {
	switch r {
	case RuleJoin:
		return "join token scope"
	case RuleAgent:
		return "an agent writes only its own cluster's status"
	case RuleIdentity:
		return "one registration per cluster, never re-pointed while Active"
	case RuleCredentials:
		return "credentials only in NAME-credentials"
	case RuleMembers:
		return "no member that stands for everyone, for the system or for the gateway's identities"
	case RuleProjects:
		return "projects: one project a namespace, no member that stands for everyone, System only for cluster-owners, a bounded number of bindings"
	case RuleCapabilities:
		return "well-formed capability annotations"
	case RuleUpgrade:
		return "upgrade concurrency and versions"
	case RuleHubMetadata:
		return "metadata the hub acts on changes only as the hub's flows change it"
	case RuleHubSpec:
		return "the hub component changes no spec field but its projects' namespaces and members"
	case RuleStatusWrite:
		return "status is written by the hub component, or by a cluster's own agent in agent mode"
	}
	return "ImportedCluster validation"
}

// RuleOfCause is the rule a status cause of the webhook's answer names, if any.
func RuleOfCause(c metav1.StatusCause) (Rule, bool) {
	name, ok := strings.CutPrefix(string(c.Type), causeTypePrefix)
	if !ok {
		return "", false
	}
	for _, r := range Rules {
		if string(r) == name {
			return r, true
		}
	}
	return "", false
}

// Causes are the status causes of r's refusals, one per error: the field path, the rule (as
// the cause type) and the message body (without the path, as the API server's own causes).
func (r Result) Causes() []metav1.StatusCause {
	var causes []metav1.StatusCause
	for i, err := range r.Errors {
		causes = append(causes, metav1.StatusCause{Type: r.RuleOf(i).CauseType(), Field: err.Field, Message: err.ErrorBody()})
	}
	return causes
}
