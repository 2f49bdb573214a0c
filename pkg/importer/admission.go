package importer

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// WebhookName is the hub's admission webhook (deploy/base/webhook.yaml).
const WebhookName = "importedclusters.kimport.dev"

const joinTokenScope = "join token scope"

// rules name the admission rule a refusal comes from, by the field its message names (or,
// first, by the phrase every refusal of pkg/validate's Join rule has: its messages name
// other fields too).
var rules = []struct{ match, rule string }{
	{"the join token of ", joinTokenScope},
	{"spec.clusterID", "no re-import of a registered cluster"},
	{"spec.apiServer", "no re-pointing of an Active cluster"},
	{"spec.credentialsSecretRef", "credentials only in NAME-credentials, never re-pointed while Active"},
	{"spec.members", "no member that stands for everyone or the system"},
	{"status: Forbidden", "status is written by the hub component only"},
	{"metadata.annotations[capabilities", "well-formed capability annotations"},
	{"spec.k3s", "upgrade concurrency and versions"},
}

// ExplainAdmission turns a refusal by the hub's admission webhook, or a failure to reach it,
// into an error that names the rule or the webhook and says what to do. Other errors pass
// through unchanged.
func ExplainAdmission(err error) error {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) {
		return err
	}
	msg := status.Status().Message
	switch {
	case strings.Contains(msg, fmt.Sprintf("admission webhook %q denied the request", WebhookName)):
		rule, remedy := ruleOf(msg), "fix what the message names and run the command again"
		if rule == joinTokenScope {
			remedy = "a join token only completes its registration: the hub admin changes anything else ('kubectl import members', 'kubectl import delete')"
		}
		return fmt.Errorf("the hub refused the change (rule: %s): %w\n%s", rule, err, remedy)
	case strings.Contains(msg, fmt.Sprintf("failed calling webhook %q", WebhookName)):
		return fmt.Errorf("the hub's admission webhook %s (ValidatingWebhookConfiguration kimport-webhook) cannot be reached, "+
			"and the hub refuses every ImportedCluster write until it answers (failurePolicy Fail): %w\n"+
			"check it with 'kubectl -n kimport-system get pods -l app.kubernetes.io/name=kimport-webhook' "+
			"(or the webhook process given to 'kubectl import init --webhook-url'), then run the command again", WebhookName, err)
	}
	return err
}

func ruleOf(msg string) string {
	for _, r := range rules {
		if strings.Contains(msg, r.match) {
			return r.rule
		}
	}
	return "ImportedCluster validation"
}
