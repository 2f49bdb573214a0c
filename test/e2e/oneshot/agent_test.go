package oneshot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/deletecmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/members"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/nodeconfig"
)

// TestAgentMode imports a K3s cluster in agent mode against real control planes, kimport-agent
// running as a real process with the downstream ServiceAccount's rights, the hub component
// (reconciler and webhook over TLS) in-process: the agent reports the cluster Active, the hub
// keeps no downstream credential and sends the downstream no request (its audit log says so),
// members and projects are applied by the agent, a stopped agent turns the cluster
// Unavailable within the grace period and a restarted one Active, the agent's hub token is
// renewed without a failed status write, and deleting the cluster leaves the downstream clean
// and ends the agent. A second cluster whose agent never runs is deleted with --force.
func TestAgentMode(t *testing.T) {
	agentBin := hubenv.BuildAgent(t)
	top := t // agents started in a subtest outlive it
	testLog = func(s string) { t.Log(s) }
	t.Cleanup(func() { testLog = func(string) {} })
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	clusters := testenv.StartAll(t,
		testenv.Options{Name: "hub"},
		testenv.Options{Name: "edge", K3s: true, Audit: true},
		testenv.Options{Name: "gone"})
	hub, edge, gone := clusters[0], clusters[1], clusters[2]
	ctx := context.Background()
	if err := testenv.CreateK3sNodes(ctx, edge.Client, 1, 2, edge.Version); err != nil {
		t.Fatal(err)
	}
	const grace = 6 * time.Second
	hubServer := hubenv.New(t, hub)
	hubServer.Options.Reconciler.HeartbeatGrace = grace
	hubServer.Options.Reconciler.CleanupTimeout = 15 * time.Second
	if out, _, err := run(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", hubServer.URL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	hubServer.Start(t)
	importer := whoAmI(t, edge)

	// The import installs the agent; the cluster waits for it.
	out, _, err := runCluster("", "edge-1", "--kubeconfig", edge.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig,
		"--mode", "agent", "--member", "User:alice=cluster-owner", "--wait=false")
	if err != nil {
		t.Fatalf("cluster --mode agent: %v\n%s", err, out)
	}
	mustContain(t, "cluster output", out, "secret/kimport-agent-hub serverside-applied", "deployment.apps/kimport-agent serverside-applied",
		"serviceaccount/kimport-agent-edge-1 bootstrap token issued")
	if strings.Contains(out, "eyJ") {
		t.Errorf("the output shows a token:\n%s", out)
	}
	var ic v1alpha1.ImportedCluster
	eventually(t, 20*time.Second, func() (bool, string) {
		_ = hub.Client.Get(ctx, client.ObjectKey{Name: "edge-1"}, &ic)
		return conditionReason(&ic, v1alpha1.ConditionHeartbeat) == v1alpha1.ReasonAwaitingAgent && ic.Status.Phase == v1alpha1.PhasePending,
			fmt.Sprintf("waiting for Pending/AwaitingAgent, status %+v", ic.Status)
	})

	agentKubeconfig, err := edge.ServiceAccountKubeconfig(ctx, v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	if err != nil {
		t.Fatal(err)
	}
	agentArgs := []string{"--kubeconfig", agentKubeconfig, "--sync-interval", "2s",
		"--health-probe-bind-address", "0", "--token-renew-before", "59m57s"}
	bin := agentBin(t)
	run1 := hubenv.StartAgent(t, bin, agentArgs...)
	waitPhase(t, hub, "edge-1", v1alpha1.PhaseActive, 60*time.Second, run1)

	t.Run("the agent reports what direct mode reports", func(t *testing.T) {
		mustGet(t, hub.Client, "edge-1", &ic)
		st := ic.Status
		if st.Distribution != v1alpha1.DistK3s || st.Nodes == nil || st.Nodes.Total != 3 || st.KubernetesVersion != edge.Version ||
			len(st.Projects) == 0 || len(st.Capabilities) == 0 || st.Agent == nil || st.Agent.Version == "" {
			t.Errorf("status = %+v", st)
		}
		for _, c := range []string{v1alpha1.ConditionHeartbeat, v1alpha1.ConditionConnected, v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
			if conditionStatus(&ic, c) != metav1.ConditionTrue {
				t.Errorf("condition %s is not True: %+v", c, ic.Status.Conditions)
			}
		}
		// The hub judges the version the agent reported at its next look.
		eventually(t, 20*time.Second, func() (bool, string) {
			mustGet(t, hub.Client, "edge-1", &ic)
			return conditionStatus(&ic, v1alpha1.ConditionAgentVersion) == metav1.ConditionTrue, fmt.Sprintf("conditions %+v", ic.Status.Conditions)
		})
		var crbs rbacv1.ClusterRoleBindingList
		if err := edge.Client.List(ctx, &crbs, client.MatchingLabels{v1alpha1.MemberLabel: "true"}); err != nil || len(crbs.Items) != 1 || crbs.Items[0].Subjects[0].Name != "alice" {
			t.Errorf("member bindings = %+v, %v; want alice's", crbs.Items, err)
		}
		var ns corev1.Namespace
		mustGet(t, edge.Client, "kube-system", &ns)
		if ns.Labels[v1alpha1.ProjectLabel] == "" {
			t.Errorf("kube-system has no project label: %v", ns.Labels)
		}
	})

	t.Run("a member added in the hub is bound by the agent", func(t *testing.T) {
		if _, _, err := run(members.NewCmd, "edge-1", "--add", "Group:devs=cluster-member"); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, func() (bool, string) {
			var crbs rbacv1.ClusterRoleBindingList
			_ = edge.Client.List(ctx, &crbs, client.MatchingLabels{v1alpha1.MemberLabel: "true"})
			return len(crbs.Items) == 2, fmt.Sprintf("%d member bindings, want 2", len(crbs.Items))
		})
	})

	t.Run("hub verbs read an agent-mode downstream through the gateway, or the user's own kubeconfig, checked", func(t *testing.T) {
		// This hub's component runs without the gateway (no init --gateway-url): said with the
		// fix. Through a gateway: test/e2e/access.
		_, _, err := run(nodeconfig.NewCmd, "edge-1")
		if err == nil || !strings.Contains(err.Error(), "does not serve the gateway (gateway.kimport.dev/v1alpha1)") ||
			!strings.Contains(err.Error(), "or pass --kubeconfig/--context of edge-1 itself") {
			t.Errorf("node-config through a hub without the gateway: %v", err)
		}
		_, _, err = run(nodeconfig.NewCmd, "edge-1", "--kubeconfig", gone.Kubeconfig)
		if err == nil || !strings.Contains(err.Error(), "pass --kubeconfig/--context of edge-1") {
			t.Errorf("node-config with another cluster's kubeconfig: %v", err)
		}
		out, _, err := run(nodeconfig.NewCmd, "edge-1", "--kubeconfig", edge.Kubeconfig)
		if err != nil || !strings.Contains(out, "k3s-server-1") {
			t.Errorf("node-config with the downstream's kubeconfig: %v\n%s", err, out)
		}
	})

	t.Run("the hub holds no downstream credential; the bootstrap token is gone", func(t *testing.T) {
		var secrets corev1.SecretList
		if err := hub.Client.List(ctx, &secrets, client.InNamespace(v1alpha1.HubNamespace)); err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets.Items {
			if s.Name == v1alpha1.CredentialsSecretName("edge-1") || s.Name == v1alpha1.AgentBootstrapName("edge-1") || len(s.Data["token"]) > 0 {
				t.Errorf("the hub holds secret %s with keys %v", s.Name, keys(s.Data))
			}
		}
	})

	t.Run("the agent renews its hub token without a failed status write", func(t *testing.T) {
		// --token-renew-before 59m57s of a 1h token: a renewal every ~3s.
		eventually(t, 30*time.Second, func() (bool, string) {
			n := strings.Count(run1.Log(), "hub token renewed")
			return n >= 2, fmt.Sprintf("%d renewals in the agent's log", n)
		})
		for _, bad := range []string{"reporting status", "Unauthorized", "cannot renew the heartbeat"} {
			if strings.Contains(run1.Log(), bad) {
				t.Errorf("the agent's log shows %q:\n%s", bad, run1.Log())
			}
		}
	})

	t.Run("the hub publishes the heartbeat cadence and the agent follows it", func(t *testing.T) {
		// The import created the Lease at the default 60 s; the hub publishes its grace.
		var lease coordinationv1.Lease
		key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.HeartbeatName("edge-1")}
		eventually(t, 20*time.Second, func() (bool, string) {
			mustGetNamespaced(t, hub.Client, key.Namespace, key.Name, &lease)
			d := lease.Spec.LeaseDurationSeconds
			return d != nil && time.Duration(*d)*time.Second == grace, fmt.Sprintf("leaseDurationSeconds %v, want %s", d, grace)
		})
		// The agent renews every third of it: a renewal within 2 s (+ jitter below, + slack).
		first := lease.Spec.RenewTime.DeepCopy()
		eventually(t, grace/3+3*time.Second, func() (bool, string) {
			mustGetNamespaced(t, hub.Client, key.Namespace, key.Name, &lease)
			return !lease.Spec.RenewTime.Equal(first), fmt.Sprintf("renewTime still %v", first)
		})
	})

	t.Run("a stopped agent is Unavailable within the grace period, a restarted one Active", func(t *testing.T) {
		if err := run1.Stop(); err != nil {
			t.Logf("agent exit: %v", err)
		}
		stopped := time.Now()
		waitPhase(t, hub, "edge-1", v1alpha1.PhaseUnavailable, grace+10*time.Second, nil)
		if took := time.Since(stopped); took > grace+5*time.Second {
			t.Errorf("Unavailable after %s, grace period %s", took, grace)
		}
		run2 := hubenv.StartAgent(top, bin, agentArgs...)
		waitPhase(t, hub, "edge-1", v1alpha1.PhaseActive, 30*time.Second, run2)
		run1 = run2
	})

	t.Run("two replicas elect one leader; the other takes over when it stops", func(t *testing.T) {
		if err := run1.Stop(); err != nil {
			t.Logf("agent exit: %v", err)
		}
		elect := append(append([]string{}, agentArgs...), "--leader-elect")
		replicas := []*hubenv.Agent{hubenv.StartAgent(top, bin, elect...), hubenv.StartAgent(top, bin, elect...)}
		const acquired = "Successfully acquired lease"
		leader := func() (int, string) {
			n, which := 0, -1
			for i, r := range replicas {
				if strings.Contains(r.Log(), acquired) {
					n, which = n+1, i
				}
			}
			return which, fmt.Sprintf("%d replicas acquired the lease", n)
		}
		eventually(t, 30*time.Second, func() (bool, string) { i, why := leader(); return i >= 0, why })
		first, _ := leader()
		time.Sleep(3 * time.Second) // the other keeps trying and must not acquire it too
		if n := strings.Count(replicas[0].Log()+replicas[1].Log(), acquired); n != 1 {
			t.Fatalf("%d leaders at once, want 1", n)
		}
		waitPhase(t, hub, "edge-1", v1alpha1.PhaseActive, 30*time.Second, replicas[first])
		var lease coordinationv1.Lease
		mustGetNamespaced(t, edge.Client, v1alpha1.AgentNamespace, v1alpha1.AgentLeaderElection, &lease)
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
			t.Errorf("leader Lease %s/%s has no holder", v1alpha1.AgentNamespace, v1alpha1.AgentLeaderElection)
		}
		if err := replicas[first].Stop(); err != nil { // releases the lease on its way out
			t.Logf("leader exit: %v", err)
		}
		other := replicas[1-first]
		eventually(t, 30*time.Second, func() (bool, string) {
			return strings.Contains(other.Log(), acquired), "the other replica has not taken the lease over"
		})
		waitPhase(t, hub, "edge-1", v1alpha1.PhaseActive, 30*time.Second, other)
		run1 = other // the delete below is its work
	})

	t.Run("the downstream saw no request from the hub", func(t *testing.T) {
		events, err := edge.ReadAudit()
		if err != nil {
			t.Fatal(err)
		}
		agentUser := "system:serviceaccount:" + v1alpha1.AgentNamespace + ":" + v1alpha1.AgentServiceAccount
		byUser := map[string]int{}
		for _, e := range events {
			byUser[e.User.Username]++
			if strings.Contains(e.UserAgent, v1alpha1.ReconcilerName) || strings.HasPrefix(e.User.Username, "system:serviceaccount:"+v1alpha1.HubNamespace+":") {
				t.Errorf("a hub identity reached the downstream: %s %s as %s (%s)", e.Verb, e.RequestURI, e.User.Username, e.UserAgent)
			}
			switch u := e.User.Username; {
			case u == "system:anonymous" && (e.RequestURI == "/healthz" || e.RequestURI == "/readyz" || e.RequestURI == "/livez"):
				// the test environment polling the API server's health
			case u == importer || u == agentUser || u == "system:apiserver" || u == "system:kube-controller-manager" ||
				strings.HasPrefix(u, "system:serviceaccount:kube-system:"):
			default:
				t.Errorf("request from %q: %s %s (%s)", u, e.Verb, e.RequestURI, e.UserAgent)
			}
		}
		if byUser[agentUser] == 0 {
			t.Errorf("no request of the agent in the audit log: %v", byUser)
		}
		t.Logf("downstream requests by user: %v", byUser)
	})

	t.Run("delete: the agent cleans the downstream and stops", func(t *testing.T) {
		out, errOut, err := run(deletecmd.NewCmd, "edge-1", "--timeout", "60s")
		if err != nil {
			t.Fatalf("delete: %v\n%s%s", err, out, errOut)
		}
		if exited, err := run1.Exited(20 * time.Second); !exited || err != nil {
			t.Errorf("agent exited=%v err=%v after the delete\n%s", exited, err, run1.Log())
		}
		var crbs rbacv1.ClusterRoleBindingList
		if err := edge.Client.List(ctx, &crbs, client.MatchingLabels{v1alpha1.MemberLabel: "true"}); err != nil || len(crbs.Items) != 0 {
			t.Errorf("member bindings left: %d, %v", len(crbs.Items), err)
		}
		var nss corev1.NamespaceList
		if err := edge.Client.List(ctx, &nss, client.HasLabels{v1alpha1.ProjectLabel}); err != nil || len(nss.Items) != 0 {
			t.Errorf("%d namespaces still labelled, %v", len(nss.Items), err)
		}
		mustNotExist(t, edge.Client, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentClusterRole}})
		eventually(t, 30*time.Second, func() (bool, string) {
			err := edge.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentNamespace}, &corev1.Namespace{})
			return err != nil, "namespace cattle-system still there (the garbage collector removes it with the ClusterRole)"
		})
		mustNotExist(t, hub.Client, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.AgentName("edge-1")}})
	})

	t.Run("delete --force of a cluster whose agent never ran ends and lists leftovers", func(t *testing.T) {
		if out, _, err := runCluster("", "gone-1", "--kubeconfig", gone.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig, "--mode", "agent", "--wait=false"); err != nil {
			t.Fatalf("cluster: %v\n%s", err, out)
		}
		start := time.Now()
		out, errOut, err := run(deletecmd.NewCmd, "gone-1", "--timeout", "5s", "--force")
		if err != nil {
			t.Fatalf("delete --force: %v\n%s%s", err, out, errOut)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("delete --force took %s", took)
		}
		mustContain(t, "delete output", out, "importedcluster.kimport.dev/gone-1 deleted", "may be left behind", "clusterrole.rbac.authorization.k8s.io/kimport-agent")
		mustNotExist(t, hub.Client, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "gone-1"}})
	})
}

func whoAmI(t *testing.T, c *testenv.Cluster) string {
	t.Helper()
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Client.Create(context.Background(), review); err != nil {
		t.Fatal(err)
	}
	return review.Status.UserInfo.Username
}

func mustGet(t *testing.T, c client.Client, name string, obj client.Object) {
	t.Helper()
	if err := c.Get(context.Background(), types.NamespacedName{Name: name}, obj); err != nil {
		t.Fatal(err)
	}
}

func conditionReason(ic *v1alpha1.ImportedCluster, typ string) string {
	for _, c := range ic.Status.Conditions {
		if c.Type == typ {
			return c.Reason
		}
	}
	return ""
}

func conditionStatus(ic *v1alpha1.ImportedCluster, typ string) metav1.ConditionStatus {
	for _, c := range ic.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

// waitPhase waits until the cluster's phase is want; on timeout it shows the status and the
// agent's log.
func waitPhase(t *testing.T, hub *testenv.Cluster, name string, want v1alpha1.Phase, timeout time.Duration, a *hubenv.Agent) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var ic v1alpha1.ImportedCluster
	for time.Now().Before(deadline) {
		if err := hub.Client.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err == nil && ic.Status.Phase == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	st, _ := json.MarshalIndent(ic.Status, "", "  ")
	log := ""
	if a != nil {
		log = a.Log()
	}
	t.Fatalf("%s is %s after %s, want %s; status:\n%s\nagent log:\n%s", name, ic.Status.Phase, timeout, want, st, log)
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func mustGetNamespaced(t *testing.T, c client.Client, namespace, name string, obj client.Object) {
	t.Helper()
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: namespace, Name: name}, obj); err != nil {
		t.Fatal(err)
	}
}
