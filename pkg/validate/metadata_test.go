package validate

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

const (
	hubWriter = "system:serviceaccount:kimport-system:kimport-controller"
	teamUser  = "alice@example.com"
)

// registered is a Pending registration made by `kubectl import create`, its finalizer added.
func registered() *v1alpha1.ImportedCluster {
	c := cluster("edge", "", v1alpha1.PhasePending)
	c.Finalizers = []string{v1alpha1.Finalizer}
	c.Annotations = map[string]string{
		v1alpha1.HubIDAnnotation: "6a1e0c2b-0000-4000-8000-000000000abc", v1alpha1.JoinExpiresAnnotation: "2030-01-01T00:00:00Z",
		v1alpha1.AgentBootstrapAnnotation: "0f00d000-0000-4000-8000-000000000001",
	}
	return &c
}

// active is registered() once joined and Active.
func active() *v1alpha1.ImportedCluster {
	c := registered()
	c.Spec.ClusterID, c.Status.Phase = "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive
	delete(c.Annotations, v1alpha1.JoinExpiresAnnotation)
	return c
}

// deleting is active() being deleted, with the hub's conditions.
func deleting(conds ...metav1.Condition) *v1alpha1.ImportedCluster {
	c := active()
	c.DeletionTimestamp = &metav1.Time{}
	c.Status.Phase = v1alpha1.PhaseDisconnecting
	c.Status.Conditions = conds
	return c
}

func condition(typ string, status metav1.ConditionStatus, reason string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason}
}

func TestHubMetadata(t *testing.T) {
	owner := []metav1.OwnerReference{{APIVersion: "kimport.dev/v1alpha1", Kind: "ImportedCluster", Name: "other", UID: "0b0b"}}
	stalled := condition(v1alpha1.ConditionDownstreamRemoved, metav1.ConditionFalse, v1alpha1.ReasonRetrying)
	abandoned := condition(v1alpha1.ConditionDownstreamRemoved, metav1.ConditionFalse, v1alpha1.ReasonAbandoned)
	heartbeating := condition(v1alpha1.ConditionHeartbeat, metav1.ConditionTrue, v1alpha1.ReasonRenewed)
	late := condition(v1alpha1.ConditionHeartbeat, metav1.ConditionFalse, v1alpha1.ReasonLate)
	agentMode := func(c *v1alpha1.ImportedCluster) *v1alpha1.ImportedCluster {
		c.Spec.Mode = v1alpha1.ModeAgent
		return c
	}
	const finalizerKept = "=metadata.finalizers: Forbidden: kimport.dev/cleanup may not be removed: "
	for _, tc := range []struct {
		desc     string
		stored   *v1alpha1.ImportedCluster // nil: CREATE
		change   func(*v1alpha1.ImportedCluster)
		user     string
		errs     []string
		newIsOld bool // the change starts from stored (else from registered())
	}{
		{"create with the hub annotations (kubectl import create)", nil, func(*v1alpha1.ImportedCluster) {}, teamUser, nil, false},
		{"create with an owner", nil, func(c *v1alpha1.ImportedCluster) { c.OwnerReferences = owner }, teamUser,
			[]string{"=metadata.ownerReferences: Forbidden: an ImportedCluster has no owner: the garbage collector would disconnect it whenever its owner goes; " +
				"create it without metadata.ownerReferences (only the hub component changes it)"}, false},
		{"adding an owner", active(), func(c *v1alpha1.ImportedCluster) { c.OwnerReferences = owner }, teamUser,
			[]string{"=metadata.ownerReferences: Forbidden: may not be changed: with an owner, the garbage collector disconnects the cluster whenever that owner goes, " +
				"so an update right would become a delete right; to disconnect edge, run `kubectl import delete edge` (only the hub component changes it)"}, true},
		{"the hub component adds an owner", active(), func(c *v1alpha1.ImportedCluster) { c.OwnerReferences = owner }, hubWriter, nil, true},
		{"removing the finalizer of a live record", active(), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser,
			[]string{finalizerKept + "the hub cleans the downstream under it when edge is deleted, and a delete without it would leave the members' bindings and the import's agent there; " +
				"delete the ImportedCluster instead (`kubectl import delete edge`) (only the hub component changes it, or a hub admin with update on importedclusters/finalizers)"}, true},
		{"the hub removes its finalizer", deleting(), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, hubWriter, nil, true},
		{"removing it while the hub has not tried the cleanup", deleting(), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser,
			[]string{finalizerKept + "the hub component has not reported yet that it cannot clean the downstream (condition DownstreamRemoved); " +
				"wait for `kubectl import delete edge`, whose --force acts once it has (only the hub component changes it, or a hub admin with update on importedclusters/finalizers)"}, true},
		{"removing it once the downstream was cleaned (the hub is about to)", deleting(condition(v1alpha1.ConditionDownstreamRemoved, metav1.ConditionTrue, v1alpha1.ReasonRemoved)),
			func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser, []string{"has not reported yet that it cannot clean"}, true},
		{"delete --force: the hub cannot reach the downstream", deleting(stalled), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser, nil, true},
		{"delete --force: the hub gave up", deleting(abandoned), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser, nil, true},
		{"agent mode: the agent is heartbeating and cleans", agentMode(deleting(stalled, heartbeating)), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser,
			[]string{finalizerKept + "the cluster's agent is heartbeating and cleans the downstream itself; wait for `kubectl import delete edge` (or stop the agent first if it can no longer clean) (only the hub component changes it, or a hub admin with update on importedclusters/finalizers)"}, true},
		{"agent mode, delete --force: the agent is late", agentMode(deleting(stalled, late)), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser, nil, true},
		{"never joined: nothing downstream", func() *v1alpha1.ImportedCluster { c := registered(); c.DeletionTimestamp = &metav1.Time{}; return c }(),
			func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser, nil, true},
		{"a duplicate that lost the claim: nothing downstream", deleting(condition(v1alpha1.ConditionConnected, metav1.ConditionFalse, v1alpha1.ReasonIdentityClaimed)),
			func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, teamUser, nil, true},
		{"another finalizer is not the hub's", active(), func(c *v1alpha1.ImportedCluster) { c.Finalizers = append(c.Finalizers, "example.com/keep") }, teamUser, nil, true},
		{"create --rotate-token moves the expiry while waiting for join", registered(),
			func(c *v1alpha1.ImportedCluster) {
				c.Annotations[v1alpha1.JoinExpiresAnnotation] = "2031-01-01T00:00:00Z"
			}, teamUser, nil, true},
		{"create records the agent's bootstrap Secret while waiting for join", registered(),
			func(c *v1alpha1.ImportedCluster) {
				c.Annotations[v1alpha1.AgentBootstrapAnnotation] = "0f00d000-0000-4000-8000-000000000002"
			}, teamUser, nil, true},
		{"extending the join token of an Active cluster", active(),
			func(c *v1alpha1.ImportedCluster) {
				c.Annotations[v1alpha1.JoinExpiresAnnotation] = "2031-01-01T00:00:00Z"
			}, teamUser,
			[]string{"=metadata.annotations[kimport.dev/join-expires-at]: Forbidden: may be set only when `kubectl import create` registers the cluster and rewritten while that registration waits for join; " +
				"edge is past that (it is Active), and the hub acts on this annotation as it is (only the hub component changes it)"}, true},
		{"changing the hub ID of an Active cluster", active(), func(c *v1alpha1.ImportedCluster) { c.Annotations[v1alpha1.HubIDAnnotation] = "evil" }, teamUser,
			[]string{"metadata.annotations[kimport.dev/hub-id]: Forbidden: may be set only when"}, true},
		{"removing the bootstrap UID of an Active cluster", active(), func(c *v1alpha1.ImportedCluster) { delete(c.Annotations, v1alpha1.AgentBootstrapAnnotation) }, teamUser,
			[]string{"metadata.annotations[kimport.dev/agent-bootstrap-uid]: Forbidden: may be set only when"}, true},
		{"the reconciler removes the join expiry", func() *v1alpha1.ImportedCluster {
			c := active()
			c.Annotations[v1alpha1.JoinExpiresAnnotation] = "x"
			return c
		}(),
			func(c *v1alpha1.ImportedCluster) { delete(c.Annotations, v1alpha1.JoinExpiresAnnotation) }, hubWriter, nil, true},
		{"adding a join expiry to a record not made by create", func() *v1alpha1.ImportedCluster { c := cluster("edge", "", v1alpha1.PhasePending); return &c }(),
			func(c *v1alpha1.ImportedCluster) {
				c.Annotations = map[string]string{v1alpha1.JoinExpiresAnnotation: "2031-01-01T00:00:00Z"}
			}, teamUser, []string{"edge is past that (it was not registered by `kubectl import create`)"}, true},
		{"rewriting the expiry of a registration being deleted", func() *v1alpha1.ImportedCluster { c := registered(); c.DeletionTimestamp = &metav1.Time{}; return c }(),
			func(c *v1alpha1.ImportedCluster) {
				c.Annotations[v1alpha1.JoinExpiresAnnotation] = "2031-01-01T00:00:00Z"
			}, teamUser, []string{"(it is being deleted)"}, true},
		{"other annotations are anyone's", active(), func(c *v1alpha1.ImportedCluster) { c.Annotations["note"] = "x" }, teamUser, nil, true},
		{"join tokens are the Join rule's", active(), func(c *v1alpha1.ImportedCluster) { c.OwnerReferences = owner }, v1alpha1.JoinUsername("edge"), nil, true},
		{"agents are the Agent rule's", active(), func(c *v1alpha1.ImportedCluster) { c.Finalizers = nil }, v1alpha1.AgentUsername("edge"), nil, true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			newObj := registered()
			if tc.newIsOld {
				newObj = tc.stored.DeepCopy()
			}
			tc.change(newObj)
			r := HubMetadata(newObj, tc.stored, tc.user, []string{hubWriter}, nil)
			expectResult(t, r, tc.errs, nil)
			for i := range r.Errors {
				if r.RuleOf(i) != RuleHubMetadata {
					t.Errorf("error %d: rule %s", i, r.RuleOf(i))
				}
			}
			if tc.stored != nil {
				expectResult(t, HubMetadata(tc.stored.DeepCopy(), tc.stored, tc.user, []string{hubWriter}, nil), nil, nil) // a no-op is never refused
			}
		})
	}
	// No hub identity known (an empty writers list): the webhook fails closed.
	r := HubMetadata(func() *v1alpha1.ImportedCluster { c := active(); c.OwnerReferences = owner; return c }(), active(), hubWriter, nil, nil)
	expectResult(t, r, []string{"metadata.ownerReferences: Forbidden"}, nil)
}

// A hub admin may skip the cleanup of a record being deleted (hub RBAC update on
// importedclusters/finalizers), asked only when the rule would refuse; never on a live record.
func TestHubMetadataForce(t *testing.T) {
	remove := func(stored *v1alpha1.ImportedCluster) *v1alpha1.ImportedCluster {
		c := stored.DeepCopy()
		c.Finalizers = nil
		return c
	}
	asked := 0
	may := func(answer bool) func() bool { return func() bool { asked++; return answer } }

	r := HubMetadata(remove(deleting()), deleting(), teamUser, []string{hubWriter}, may(true))
	expectResult(t, r, nil, []string{"kimport.dev/cleanup removed by alice@example.com (hub RBAC: update importedclusters/finalizers) before the hub reported the downstream cleanup"})
	if asked != 1 {
		t.Errorf("mayForce asked %d times, want 1", asked)
	}
	expectResult(t, HubMetadata(remove(deleting()), deleting(), teamUser, []string{hubWriter}, may(false)),
		[]string{"metadata.finalizers: Forbidden: kimport.dev/cleanup may not be removed: the hub component has not reported yet"}, nil)
	expectResult(t, HubMetadata(remove(active()), active(), teamUser, []string{hubWriter}, may(true)),
		[]string{"metadata.finalizers: Forbidden: kimport.dev/cleanup may not be removed: the hub cleans the downstream under it"}, nil)

	asked = 0
	stalled := deleting(condition(v1alpha1.ConditionDownstreamRemoved, metav1.ConditionFalse, v1alpha1.ReasonRetrying))
	expectResult(t, HubMetadata(remove(stalled), stalled, teamUser, []string{hubWriter}, may(true)), nil, nil)
	expectResult(t, HubMetadata(active(), active(), teamUser, []string{hubWriter}, may(true)), nil, nil)
	if asked != 0 {
		t.Errorf("mayForce asked %d times when the rule allows anyway; it costs an API call", asked)
	}
}
