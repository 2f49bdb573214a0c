package admission

import (
	"context"

	authorizationv1 "k8s.io/api/authorization/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// mayForce is validate.Context.MayForce for the request in ctx: whether its requester holds
// `update` on importedclusters/finalizers of cluster in the hub's RBAC (a hub admin whose hub
// component cannot report the cleanup). It asks the API server at most once, and only when the
// rule needs the answer; an error counts as no.
func (v *ImportedClusterValidator) mayForce(ctx context.Context, cluster string) func() bool {
	req, err := admission.RequestFromContext(ctx)
	if err != nil || v.Authorizer == nil {
		return nil
	}
	return func() bool {
		user := req.UserInfo
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
