package importer

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// WebhookName is the hub's admission webhook (deploy/base/webhook.yaml).
const WebhookName = "importedclusters.kimport.dev"

// Refusal is a change the hub's admission webhook refused: the rules that refused it and the
// field paths each refused, read from the answer's details.causes (validate.RuleOfCause),
// never from its message.
type Refusal struct {
	// Rules refused the change, each once, in the order of the causes.
	Rules []validate.Rule
	// Fields are the refused field paths by rule.
	Fields map[validate.Rule][]string
	err    error
}

// Error names the rules and says what to do.
func (r *Refusal) Error() string {
	names := make([]string, len(r.Rules))
	for i, rule := range r.Rules {
		names[i] = fmt.Sprintf("%s: %s", rule, rule.Description())
	}
	remedy := "fix what the message names and run the command again"
	switch {
	case slices.Contains(r.Rules, validate.RuleJoin):
		remedy = "a join token only completes its registration: the hub admin changes anything else ('kubectl import members', 'kubectl import delete')"
	case slices.Contains(r.Rules, validate.RuleAgent):
		remedy = "an agent writes only its own cluster's status: the hub admin changes the ImportedCluster itself"
	case slices.Contains(r.Rules, validate.RuleHubMetadata):
		remedy = "the hub component changes what it acts on: disconnect with 'kubectl import delete' (its --force acts once the hub reports it cannot clean the downstream), " +
			"and rewrite a join token with 'kubectl import create NAME --rotate-token' while the registration waits for join"
	}
	return fmt.Sprintf("the hub refused the change (rule %s): %v\n%s", strings.Join(names, "; rule "), r.err, remedy)
}

// Unwrap is the API server's answer.
func (r *Refusal) Unwrap() error { return r.err }

// ExplainAdmission turns a refusal by the hub's admission webhook into a *Refusal that names
// the rules, or a failure to reach the webhook into an error that says what to do. Other
// errors pass through unchanged.
func ExplainAdmission(err error) error {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) {
		return err
	}
	st := status.Status()
	if st.Details != nil {
		r := &Refusal{Fields: map[validate.Rule][]string{}, err: err}
		for _, c := range st.Details.Causes {
			rule, ok := validate.RuleOfCause(c)
			if !ok {
				continue
			}
			if !slices.Contains(r.Rules, rule) {
				r.Rules = append(r.Rules, rule)
			}
			r.Fields[rule] = append(r.Fields[rule], c.Field)
		}
		if len(r.Rules) > 0 {
			return r
		}
	}
	// A failure to call the webhook has no structure to read but the API server's message.
	if strings.Contains(st.Message, fmt.Sprintf("failed calling webhook %q", WebhookName)) {
		return fmt.Errorf("the hub's admission webhook %s (ValidatingWebhookConfiguration kimport-webhook) cannot be reached, "+
			"and the hub refuses every ImportedCluster write until it answers (failurePolicy Fail): %w\n"+
			"check it with 'kubectl -n kimport-system get pods -l app.kubernetes.io/name=kimport-webhook' "+
			"(or the webhook process given to 'kubectl import init --webhook-url'), then run the command again", WebhookName, err)
	}
	return err
}
