// Package admission serves the hub's admission rules (pkg/validate) for ImportedCluster.
// Everything a rule needs besides the request comes from the manager's informer cache: a
// request makes no API call.
package admission

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// ClusterIDIndex is the cache field index of ImportedClusters by spec.clusterID.
const ClusterIDIndex = "spec.clusterID"

// Path is where the API server sends ImportedCluster reviews.
const Path = "/validate-kimport-dev-v1alpha1-importedcluster"

// ImportedClusterValidator applies the rules of pkg/validate (docs/architecture.md).
type ImportedClusterValidator struct {
	// Reader must be cache-backed and indexed by ClusterIDIndex.
	Reader client.Reader
	// StatusWriters are the user names that may write the status subresource: the hub
	// component's own identities (validate.StatusWrite).
	StatusWriters []string
	// Authorizer asks the hub's RBAC (SubjectAccessReview) whether a requester may skip a
	// disconnect's cleanup; only that one refusal asks it. Nil: nobody may.
	Authorizer client.Client
}

var _ admission.Validator[*v1alpha1.ImportedCluster] = &ImportedClusterValidator{}

// IndexClusterID adds the cache index the validator reads; call it before the manager starts.
func IndexClusterID(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.ImportedCluster{}, ClusterIDIndex, clusterIDOf); err != nil {
		return fmt.Errorf("indexing ImportedClusters by %s: %w", ClusterIDIndex, err)
	}
	return nil
}

// Register serves the validator at Path on the manager's webhook server, which starts then.
// Call it once the serving certificate exists. statusWriters may write status.
func Register(mgr ctrl.Manager, statusWriters []string) error {
	v := &ImportedClusterValidator{Reader: mgr.GetCache(), StatusWriters: statusWriters, Authorizer: mgr.GetClient()}
	return ctrl.NewWebhookManagedBy(mgr, &v1alpha1.ImportedCluster{}).
		WithValidator(v).WithValidatorCustomPath(Path).Complete()
}

func clusterIDOf(o client.Object) []string {
	ic, ok := o.(*v1alpha1.ImportedCluster)
	if !ok || ic.Spec.ClusterID == "" {
		return nil
	}
	return []string{ic.Spec.ClusterID}
}

// ValidateCreate refuses a second registration of a clusterID and malformed specs.
func (v *ImportedClusterValidator) ValidateCreate(ctx context.Context, obj *v1alpha1.ImportedCluster) (admission.Warnings, error) {
	return v.validate(ctx, obj, nil)
}

// ValidateUpdate also refuses changing a set clusterID, re-pointing an Active cluster, unsafe
// upgrades and what a join token may not change; setting the clusterID of a registration
// waiting for join is checked for a second registration like a create.
//
// A write of the status subresource is checked only for who writes it and, for a cluster's
// agent, which cluster and which conditions (validate.StatusWrite).
func (v *ImportedClusterValidator) ValidateUpdate(ctx context.Context, oldObj, newObj *v1alpha1.ImportedCluster) (admission.Warnings, error) {
	if req, err := admission.RequestFromContext(ctx); err == nil && req.SubResource == "status" {
		r := validate.StatusWrite(newObj, oldObj, req.UserInfo.Username, v.StatusWriters)
		return r.Warnings, refusal(newObj.Name, r)
	}
	return v.validate(ctx, newObj, oldObj)
}

// ValidateDelete allows every delete but one by a join token or an agent (validate.Delete):
// disconnecting must always be possible. The webhook configuration does not send DELETE (an
// outage must not block disconnecting), so RBAC, which gives neither a delete, is what refuses
// them in practice; this is defence in depth should DELETE ever be routed here.
func (v *ImportedClusterValidator) ValidateDelete(ctx context.Context, obj *v1alpha1.ImportedCluster) (admission.Warnings, error) {
	r := validate.Delete(obj, requester(ctx))
	return r.Warnings, refusal(obj.Name, r)
}

func (v *ImportedClusterValidator) validate(ctx context.Context, newObj, oldObj *v1alpha1.ImportedCluster) (admission.Warnings, error) {
	var others []v1alpha1.ImportedCluster
	if validate.ChecksDuplicates(newObj, oldObj) {
		var err error
		if others, err = v.sameIdentity(ctx, newObj); err != nil {
			return nil, err
		}
	}
	c := validate.ContextFor(oldObj, others, requester(ctx), v.StatusWriters)
	c.MayForce = v.mayForce(ctx, newObj.Name)
	r := validate.ImportedCluster(newObj, oldObj, c)
	return r.Warnings, refusal(newObj.Name, r)
}

// refusal answers a refused request as the API server's own validation does: a Status whose
// details.causes carry each refused field path, with the rule that refused it as the cause
// type (validate.Rule.CauseType); controller-runtime keeps the Status and the hub's API server
// forwards it. A refusal of who writes (Join, Agent, StatusWrite, HubMetadata) is Forbidden (403), any
// other Invalid (422). nil when r refuses nothing.
func refusal(name string, r validate.Result) error {
	if r.Allowed() {
		return nil
	}
	var err *apierrors.StatusError
	if slices.ContainsFunc(r.Rules, func(rule validate.Rule) bool {
		return rule == validate.RuleJoin || rule == validate.RuleAgent || rule == validate.RuleStatusWrite || rule == validate.RuleHubMetadata
	}) {
		err = apierrors.NewForbidden(v1alpha1.GroupVersion.WithResource("importedclusters").GroupResource(), name, r.Errors.ToAggregate())
	} else {
		err = apierrors.NewInvalid(v1alpha1.GroupVersion.WithKind("ImportedCluster").GroupKind(), name, r.Errors)
	}
	err.ErrStatus.Details.Causes = r.Causes()
	return err
}

// requester is the user making the admission request; controller-runtime puts the request in
// the context. "" when there is none (a direct call), for which no join-token rule applies.
func requester(ctx context.Context) string {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return ""
	}
	return req.UserInfo.Username
}

// sameIdentity lists the other ImportedClusters with newObj's (non-empty) clusterID from the
// cache index.
func (v *ImportedClusterValidator) sameIdentity(ctx context.Context, newObj *v1alpha1.ImportedCluster) ([]v1alpha1.ImportedCluster, error) {
	var list v1alpha1.ImportedClusterList
	if err := v.Reader.List(ctx, &list, client.MatchingFields{ClusterIDIndex: newObj.Spec.ClusterID}); err != nil {
		return nil, fmt.Errorf("reading ImportedClusters with clusterID %s from the cache: %w", newObj.Spec.ClusterID, err)
	}
	others := list.Items[:0]
	for _, ic := range list.Items {
		if ic.Name != newObj.Name {
			others = append(others, ic)
		}
	}
	return others, nil
}
