// Package admission serves the hub's admission rules (pkg/validate) for ImportedCluster.
// Everything a rule needs besides the request comes from the webhook's own metadata cache; a
// request makes no API call unless it is about to be refused as a duplicate (the holder is
// read to be named) or asks to skip a disconnect's cleanup (the hub's RBAC is asked).
package admission

import (
	"context"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// Path is where the API server sends ImportedCluster reviews.
const Path = "/validate-kimport-dev-v1alpha1-importedcluster"

// Request is what the rules read of an admission request besides its objects.
type Request struct {
	Operation   admissionv1.Operation
	SubResource string
	UserInfo    authenticationv1.UserInfo
}

// ImportedClusterValidator applies the rules of pkg/validate (docs/architecture.md).
type ImportedClusterValidator struct {
	// Index is the metadata cache indexed by clusterIDIndex (newIndex).
	Index client.Reader
	// Live reads the holders of a clusterID whole, uncached: only a refusal needs them.
	Live client.Reader
	// StatusWriters are the user names that may write the status subresource: the hub
	// component's own identities (validate.StatusWrite).
	StatusWriters []string
	// Authorizer asks the hub's RBAC (SubjectAccessReview) whether a requester may skip a
	// disconnect's cleanup; only that one refusal asks it. Nil: nobody may.
	Authorizer client.Client
}

// Admit applies the rules to one request: newObj is nil on DELETE, oldObj on CREATE.
//
// CREATE and UPDATE: every rule of validate.ImportedCluster; another registration of the
// clusterID is looked up only when the request sets one (validate.ChecksDuplicates). A write
// of the status subresource is checked only for who writes it and, for a cluster's agent,
// which cluster and which conditions (validate.StatusWrite).
//
// DELETE: allowed but by a join token or an agent (validate.Delete): disconnecting must always
// be possible. The webhook configuration does not send DELETE (an outage must not block
// disconnecting), so RBAC, which gives neither a delete, is what refuses them in practice;
// this is defence in depth should DELETE ever be routed here.
func (v *ImportedClusterValidator) Admit(ctx context.Context, req Request, newObj, oldObj *v1alpha1.ImportedCluster) ([]string, error) {
	user := req.UserInfo.Username
	var r validate.Result
	switch {
	case req.Operation == admissionv1.Delete:
		r, newObj = validate.Delete(oldObj, user), oldObj
	case req.SubResource == "status":
		r = validate.StatusWrite(newObj, oldObj, user, v.StatusWriters)
	default:
		var others []v1alpha1.ImportedCluster
		if validate.ChecksDuplicates(newObj, oldObj) {
			var err error
			if others, err = holdersOf(ctx, v.Index, v.Live, newObj.Spec.ClusterID, newObj.Name); err != nil {
				return nil, err
			}
		}
		c := validate.ContextFor(oldObj, others, user, v.StatusWriters)
		c.MayForce = v.mayForce(ctx, req.UserInfo, newObj.Name)
		r = validate.ImportedCluster(newObj, oldObj, c)
	}
	return r.Warnings, refusal(newObj.Name, r)
}

// refusal answers a refused request as the API server's own validation does: a Status whose
// details.causes carry each refused field path, with the rule that refused it as the cause
// type (validate.Rule.CauseType); the hub's API server forwards it. A refusal of who writes
// (Join, Agent, StatusWrite, HubMetadata, HubSpec) is Forbidden (403), any other Invalid (422). nil
// when r refuses nothing.
func refusal(name string, r validate.Result) error {
	if r.Allowed() {
		return nil
	}
	var err *apierrors.StatusError
	if slices.ContainsFunc(r.Rules, func(rule validate.Rule) bool {
		return rule == validate.RuleJoin || rule == validate.RuleAgent || rule == validate.RuleStatusWrite || rule == validate.RuleHubMetadata || rule == validate.RuleHubSpec
	}) {
		err = apierrors.NewForbidden(v1alpha1.GroupVersion.WithResource("importedclusters").GroupResource(), name, r.Errors.ToAggregate())
	} else {
		err = apierrors.NewInvalid(v1alpha1.GroupVersion.WithKind("ImportedCluster").GroupKind(), name, r.Errors)
	}
	err.ErrStatus.Details.Causes = r.Causes()
	return err
}
