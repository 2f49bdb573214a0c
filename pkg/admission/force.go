package admission

import (
	"context"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// mayForce is validate.Context.MayForce for a request by user: whether user holds `update` on
// importedclusters/finalizers of cluster in the hub's RBAC (a hub admin whose hub component
// cannot report the cleanup). It asks the API server at most once, and only when the rule
// needs the answer; an error counts as no.
func (v *ImportedClusterValidator) mayForce(ctx context.Context, user authenticationv1.UserInfo, cluster string) func() bool {
	if v.Authorizer == nil {
		return nil
	}
	return func() bool {
		extra := make(map[string]authorizationv1.ExtraValue, len(user.Extra))
		for k, vals := range user.Extra {
			extra[k] = authorizationv1.ExtraValue(vals)
		}
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user.Username, UID: user.UID, Groups: user.Groups, Extra: extra,
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: "update", Group: v1alpha1.GroupVersion.Group, Version: v1alpha1.GroupVersion.Version,
				Resource: "importedclusters", Subresource: "finalizers", Name: cluster,
			},
		}}
		if err := v.Authorizer.Create(ctx, sar); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "asking whether the requester may skip the cleanup", "resource", validate.ForceResource, "cluster", cluster)
			return false
		}
		return sar.Status.Allowed
	}
}
