package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// How long the hub's answers to SubjectAccessReviews are kept, as k8s.io/apiserver's
// delegating authorizer does by default.
const (
	allowCacheTTL = 10 * time.Second
	denyCacheTTL  = 10 * time.Second
)

// NewAuthorizer asks the hub (SubjectAccessReview, with cs allowed to create them: the
// ClusterRole system:auth-delegator) and caches its answers briefly.
func NewAuthorizer(cs kubernetes.Interface) (authorizer.Authorizer, error) {
	return authorizerfactory.DelegatingAuthorizerConfig{
		SubjectAccessReviewClient: cs.AuthorizationV1(),
		AllowCacheTTL:             allowCacheTTL,
		DenyCacheTTL:              denyCacheTTL,
		WebhookRetryBackoff:       &wait.Backoff{Duration: 500 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5},
	}.New()
}

// verbs maps a request's method to the verb the hub API server authorized it as: the
// gateway's paths always name a cluster, so a GET is a get, never a list or watch.
var verbs = map[string]string{
	http.MethodGet: "get", http.MethodHead: "get", http.MethodPost: "create", http.MethodPut: "update",
	http.MethodPatch: "patch", http.MethodDelete: "delete",
}

// authorize asks whether u may verb cluster's subresource in the hub; the error explains a
// refusal.
func authorize(ctx context.Context, a authorizer.Authorizer, u user.Info, verb, cluster, subresource string) error {
	attrs := authorizer.AttributesRecord{
		User: u, Verb: verb, APIGroup: gatewayapi.Group, APIVersion: gatewayapi.Version,
		Resource: gatewayapi.Resource, Subresource: subresource, Name: cluster, ResourceRequest: true,
	}
	decision, reason, err := a.Authorize(ctx, attrs)
	if decision == authorizer.DecisionAllow {
		return nil
	}
	msg := fmt.Sprintf("User %q cannot %s resource \"%s/%s\" in API group %q in the hub", u.GetName(), verb, gatewayapi.Resource, subresource, gatewayapi.Group)
	switch {
	case err != nil:
		msg += ": " + err.Error()
	case reason != "":
		msg += ": " + reason
	}
	return forbidden(msg)
}

// forbidden is a refusal answered with 403.
type forbidden string

func (f forbidden) Error() string { return string(f) }
