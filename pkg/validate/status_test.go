package validate

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestStatusWrite(t *testing.T) {
	hub := "system:serviceaccount:kimport-system:kimport-controller"
	stored := cluster("edge", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)
	cases := []struct {
		name, user string
		writers    []string
		errs       []string
	}{
		{"the hub component", hub, []string{hub}, nil},
		{"one of several hub identities", "reconciler", []string{hub, "reconciler"}, nil},
		{"a tenant with RBAC on importedclusters/status", "alice", []string{hub},
			[]string{`=status: Forbidden: only the hub component (` + hub + `), and in agent mode a cluster's own agent, writes the status of an ImportedCluster, not "alice": status is what was observed in the downstream and the admission rules rely on it; change spec instead and the hub reports the result`}},
		{"a join token", "system:serviceaccount:kimport-system:kimport-join-edge", []string{hub}, []string{`not "system:serviceaccount:kimport-system:kimport-join-edge"`}},
		{"no writers known: fails closed", hub, nil, []string{`only the hub component, and in agent mode`}},
		{"the agent of a Direct cluster", v1alpha1.AgentUsername("edge"), []string{hub},
			[]string{`=status: Forbidden: the agent of "edge" writes its status only while spec.mode is Agent (it is ""): in Direct mode the hub component observes the downstream itself; set spec.mode to Agent to let the agent report`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			newObj := stored.DeepCopy()
			newObj.Status.KubernetesVersion = "v1.37.2"
			expectResult(t, StatusWrite(newObj, &stored, tc.user, tc.writers), tc.errs, nil)
		})
	}
}

// TestStatusWriteByAgent: in agent mode the agent writes its own cluster's status, but not
// another's, and never the conditions the hub judges it by.
func TestStatusWriteByAgent(t *testing.T) {
	hub := []string{"system:serviceaccount:kimport-system:kimport-controller"}
	now := metav1.Now()
	heartbeat := metav1.Condition{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRenewed, LastTransitionTime: now}
	version := metav1.Condition{Type: v1alpha1.ConditionAgentVersion, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonBehind, LastTransitionTime: now}
	connected := metav1.Condition{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonReached, LastTransitionTime: now}
	stored := func(name string) *v1alpha1.ImportedCluster {
		c := cluster(name, "uid-"+name, v1alpha1.PhaseActive)
		c.Spec.Mode = v1alpha1.ModeAgent
		c.Status.Conditions = []metav1.Condition{connected, heartbeat, version}
		return &c
	}
	withConditions := func(conds ...metav1.Condition) func(*v1alpha1.ImportedCluster) {
		return func(c *v1alpha1.ImportedCluster) { c.Status.Conditions = conds }
	}
	agentA := v1alpha1.AgentUsername("a")
	cases := []struct {
		name   string
		user   string
		target string
		change func(*v1alpha1.ImportedCluster)
		errs   []string
	}{
		{"its own status", agentA, "a", func(c *v1alpha1.ImportedCluster) { c.Status.KubernetesVersion = "v1.37.2" }, nil},
		{"its own conditions, the hub's kept (in another order)", agentA, "a",
			withConditions(version, heartbeat, metav1.Condition{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonProbeFailed, LastTransitionTime: now}), nil},
		{"a no-op write", agentA, "a", func(*v1alpha1.ImportedCluster) {}, nil},
		{"another cluster's status", agentA, "b", func(c *v1alpha1.ImportedCluster) { c.Status.KubernetesVersion = "v1.37.2" },
			[]string{`=status: Forbidden: the agent of "a" writes the status of ImportedCluster "a" only, not of "b": each cluster's status comes from its own agent`}},
		{"another cluster's status, unchanged", v1alpha1.AgentUsername("b"), "a", func(*v1alpha1.ImportedCluster) {},
			[]string{`the agent of "b" writes the status of ImportedCluster "b" only, not of "a"`}},
		{"its Heartbeat condition changed", agentA, "a",
			withConditions(connected, metav1.Condition{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRenewed, Message: "fresh", LastTransitionTime: now}, version),
			[]string{`=status.conditions[Heartbeat]: Forbidden: the agent of "a" may not set, change or remove the Heartbeat condition: the hub component judges the agent by it; write the status with this condition as read from the hub`}},
		{"its AgentVersion condition removed", agentA, "a", withConditions(connected, heartbeat),
			[]string{`status.conditions[AgentVersion]: Forbidden: the agent of "a" may not set, change or remove the AgentVersion condition`}},
		{"both hub conditions dropped", agentA, "a", withConditions(connected),
			[]string{`status.conditions[Heartbeat]: Forbidden`, `status.conditions[AgentVersion]: Forbidden`}},
		{"a cluster whose mode is Direct", agentA, "a", func(c *v1alpha1.ImportedCluster) { c.Spec.Mode = v1alpha1.ModeDirect },
			[]string{`=status: Forbidden: the agent of "a" writes its status only while spec.mode is Agent (it is "Direct"): in Direct mode the hub component observes the downstream itself; set spec.mode to Agent to let the agent report`}},
		{"a user named like an agent of no cluster", "system:serviceaccount:kimport-system:kimport-agent-", "a", func(*v1alpha1.ImportedCluster) {},
			[]string{`only the hub component (`}},
		{"an agent ServiceAccount in another namespace", "system:serviceaccount:cattle-system:kimport-agent-a", "a", func(*v1alpha1.ImportedCluster) {},
			[]string{`only the hub component (`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := stored(tc.target)
			newObj := old.DeepCopy()
			tc.change(newObj)
			if tc.name == "a cluster whose mode is Direct" {
				old.Spec.Mode = v1alpha1.ModeDirect // the stored mode counts
			}
			r := StatusWrite(newObj, old, tc.user, hub)
			expectResult(t, r, tc.errs, nil)
			for i := range r.Errors {
				if r.RuleOf(i) != RuleStatusWrite {
					t.Errorf("error %d: rule %s", i, r.RuleOf(i))
				}
			}
		})
	}
	// The hub component writes the conditions it judges the agent by.
	old := stored("a")
	newObj := old.DeepCopy()
	newObj.Status.Conditions = []metav1.Condition{connected}
	expectResult(t, StatusWrite(newObj, old, hub[0], hub), nil, nil)
}

func TestAgentWritesNoImportedCluster(t *testing.T) {
	a := cluster("a", "00000000-0000-4000-8000-00000000000a", v1alpha1.PhaseActive)
	a.Spec.Mode = v1alpha1.ModeAgent
	changed := a.DeepCopy()
	changed.Spec.DisplayName = "A"
	cases := []struct {
		name           string
		user           string
		newObj, oldObj *v1alpha1.ImportedCluster
		errs           []string
	}{
		{"the hub admin", "kubernetes-admin", changed, &a, nil},
		{"a join token (the Join rule's business)", v1alpha1.JoinUsername("a"), changed, &a, nil},
		{"its own cluster's spec", v1alpha1.AgentUsername("a"), changed, &a,
			[]string{`=metadata.name: Forbidden: the agent of "a" may not change ImportedCluster "a": an agent writes only its own cluster's status (importedclusters/status); the hub admin changes the ImportedCluster`}},
		{"a no-op update of its own cluster", v1alpha1.AgentUsername("a"), &a, &a, []string{`may not change ImportedCluster "a"`}},
		{"another cluster", v1alpha1.AgentUsername("b"), changed, &a, []string{`the agent of "b" may not change ImportedCluster "a"`}},
		{"create", v1alpha1.AgentUsername("a"), &a, nil, []string{`the agent of "a" may not create ImportedCluster "a"`}},
		{"delete", v1alpha1.AgentUsername("a"), nil, &a, []string{`the agent of "a" may not delete ImportedCluster "a"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Agent(tc.newObj, tc.oldObj, tc.user)
			expectResult(t, r, tc.errs, nil)
			if tc.newObj != nil {
				all := ImportedCluster(tc.newObj, tc.oldObj, Context{Username: tc.user})
				if len(tc.errs) > 0 && (len(all.Errors) == 0 || all.RuleOf(len(all.Errors)-1) != RuleAgent && all.RuleOf(0) != RuleAgent) {
					t.Errorf("ImportedCluster does not refuse by the Agent rule: %v %v", all.Err(), all.Rules)
				}
			}
		})
	}
}

// TestDelete: only a join token and an agent are refused a delete, each under its own rule;
// anyone else may always disconnect a cluster.
func TestDelete(t *testing.T) {
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "edge"}}
	for _, tc := range []struct {
		user string
		want []Rule
	}{
		{"admin", nil},
		{v1alpha1.JoinUsername("edge"), []Rule{RuleJoin}},
		{v1alpha1.AgentUsername("edge"), []Rule{RuleAgent}},
		{v1alpha1.AgentUsername("other"), []Rule{RuleAgent}},
	} {
		r := Delete(ic, tc.user)
		if !slices.Equal(r.Rules, tc.want) || len(r.Errors) != len(tc.want) {
			t.Errorf("Delete by %s: rules %v (%d errors), want %v", tc.user, r.Rules, len(r.Errors), tc.want)
		}
	}
}
