package validate

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	ownerReferencesPath = field.NewPath("metadata", "ownerReferences")
	finalizersPath      = field.NewPath("metadata", "finalizers")
)

// HubAnnotations are the annotations of an ImportedCluster the hub acts on: `kubectl import
// create` sets them, `join` reads them, the reconciler revokes the join token by the expiry.
var HubAnnotations = []string{v1alpha1.HubIDAnnotation, v1alpha1.JoinExpiresAnnotation, v1alpha1.AgentBootstrapAnnotation}

// HubMetadata applies the hub-metadata rule: the metadata the hub component acts on changes
// only as the hub's flows change it. The threat is a writer with update rights on
// ImportedClusters who is not the hub component (a team with an edit role): through metadata
// it could cut a disconnect short, turn an update right into a delete right, or steer a join.
// writers are the hub component's own identities (as for StatusWrite): they change anything.
// Join tokens and agents are left to the Join and Agent rules, which refuse them every such
// change already. Everybody else (the hub admin running the plugin included: the webhook
// cannot tell an admin from a team member, so the rule is one of state) is refused:
//
//   - an ownerReference, on create or update: the garbage collector would delete (disconnect)
//     the record with its owner, so an update right would become a delete right;
//   - removing the finalizer kimport.dev/cleanup while the record is not being deleted (a
//     delete would then skip the downstream cleanup; the hub re-adds it anyway);
//   - removing it while the record is being deleted, unless nothing is left to clean (never
//     joined, or a duplicate that lost the identity claim) or the hub component has reported
//     that it cannot finish (DownstreamRemoved False; in agent mode also the agent no longer
//     heartbeating): that is `kubectl import delete --force`, which waits for that report;
//     or unless the requester may force it (mayForce: the hub RBAC right `update` on
//     `importedclusters/finalizers`, which cluster-admin has and an edit role listing
//     `importedclusters` does not), for a hub admin whose hub component is down;
//   - adding, changing or removing kimport.dev/hub-id, kimport.dev/join-expires-at or
//     kimport.dev/agent-bootstrap-uid, except at create and while a registration made by
//     `kubectl import create` still waits to be joined (Pending, not being deleted):
//     `create --rotate-token` and the agent's bootstrap Secret rewrite them then.
//
// oldObj is nil on CREATE. Each refusal names the field and why.
func HubMetadata(newObj, oldObj *v1alpha1.ImportedCluster, username string, writers []string, mayForce func() bool) Result {
	return hubMetadataRule(newObj, oldObj, username, writers, mayForce).by(RuleHubMetadata)
}

func hubMetadataRule(newObj, oldObj *v1alpha1.ImportedCluster, username string, writers []string, mayForce func() bool) Result {
	var r Result
	if slices.Contains(writers, username) || v1alpha1.JoinCluster(username) != "" || v1alpha1.AgentCluster(username) != "" {
		return r
	}
	if oldObj == nil {
		if len(newObj.OwnerReferences) > 0 {
			r.refuse(field.Forbidden(ownerReferencesPath, fmt.Sprintf(
				"an ImportedCluster has no owner: the garbage collector would disconnect it whenever its owner goes; create it without metadata.ownerReferences (%s)", hubOnly)))
		}
		return r
	}
	if !equality.Semantic.DeepEqual(newObj.OwnerReferences, oldObj.OwnerReferences) {
		r.refuse(field.Forbidden(ownerReferencesPath, fmt.Sprintf(
			"may not be changed: with an owner, the garbage collector disconnects the cluster whenever that owner goes, so an update right would become a delete right; to disconnect %s, run `kubectl import delete %s` (%s)",
			shown(newObj.Name), shown(newObj.Name), hubOnly)))
	}
	if slices.Contains(oldObj.Finalizers, v1alpha1.Finalizer) && !slices.Contains(newObj.Finalizers, v1alpha1.Finalizer) {
		switch why := keepFinalizer(oldObj); {
		case why == "":
		case oldObj.DeletionTimestamp != nil && mayForce != nil && mayForce():
			r.warn("%s removed by %s (hub RBAC: update %s) before the hub reported the downstream cleanup: what the import put in the downstream may be left there", v1alpha1.Finalizer, shown(username), ForceResource)
		default:
			r.refuse(field.Forbidden(finalizersPath, fmt.Sprintf("%s may not be removed: %s (%s, or a hub admin with update on %s)", v1alpha1.Finalizer, why, hubOnly, ForceResource)))
		}
	}
	if !joinStillPending(oldObj) {
		for _, key := range HubAnnotations {
			now, has := newObj.Annotations[key]
			was, had := oldObj.Annotations[key]
			if now != was || has != had {
				r.refuse(field.Forbidden(annotationsPath.Key(key), fmt.Sprintf(
					"may be set only when `kubectl import create` registers the cluster and rewritten while that registration waits for join; %s is past that (%s), and the hub acts on this annotation as it is (%s)",
					shown(oldObj.Name), registrationState(oldObj), hubOnly)))
			}
		}
	}
	return r
}

// ForceResource is the hub RBAC resource whose update right lets a user skip a disconnect's
// cleanup: the same subresource Kubernetes asks about before an owner reference may block
// deletion, so roles that list only `importedclusters` do not carry it.
const ForceResource = "importedclusters/finalizers"

// hubOnly ends every refusal: who may make the change instead.
const hubOnly = "only the hub component changes it"

// keepFinalizer says why the cleanup finalizer must stay on the stored object, or "" when it
// may go: the record is being deleted and either has nothing to clean or the hub has reported
// that it cannot finish.
func keepFinalizer(stored *v1alpha1.ImportedCluster) string {
	name := shown(stored.Name)
	if stored.DeletionTimestamp == nil {
		return fmt.Sprintf("the hub cleans the downstream under it when %s is deleted, and a delete without it would leave the members' bindings and the import's agent there; delete the ImportedCluster instead (`kubectl import delete %s`)", name, name)
	}
	connected := apimeta.FindStatusCondition(stored.Status.Conditions, v1alpha1.ConditionConnected)
	if stored.Spec.ClusterID == "" || connected != nil && connected.Reason == v1alpha1.ReasonIdentityClaimed {
		return "" // never joined, or a duplicate: nothing of it downstream
	}
	removed := apimeta.FindStatusCondition(stored.Status.Conditions, v1alpha1.ConditionDownstreamRemoved)
	if removed == nil || removed.Status != metav1.ConditionFalse {
		return fmt.Sprintf("the hub component has not reported yet that it cannot clean the downstream (condition %s); wait for `kubectl import delete %s`, whose --force acts once it has", v1alpha1.ConditionDownstreamRemoved, name)
	}
	if stored.Spec.AgentMode() && apimeta.IsStatusConditionTrue(stored.Status.Conditions, v1alpha1.ConditionHeartbeat) {
		return fmt.Sprintf("the cluster's agent is heartbeating and cleans the downstream itself; wait for `kubectl import delete %s` (or stop the agent first if it can no longer clean)", name)
	}
	return ""
}

// joinStillPending says whether stored is a registration made by `kubectl import create`
// (it has the hub-id annotation) that still waits to be joined: Pending and not being deleted.
func joinStillPending(stored *v1alpha1.ImportedCluster) bool {
	_, created := stored.Annotations[v1alpha1.HubIDAnnotation]
	phase := stored.Status.Phase
	return created && stored.DeletionTimestamp == nil && (phase == "" || phase == v1alpha1.PhasePending)
}

func registrationState(stored *v1alpha1.ImportedCluster) string {
	switch _, created := stored.Annotations[v1alpha1.HubIDAnnotation]; {
	case !created:
		return "it was not registered by `kubectl import create`"
	case stored.DeletionTimestamp != nil:
		return "it is being deleted"
	}
	return "it is " + string(stored.Status.Phase)
}
