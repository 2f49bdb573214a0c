package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

const (
	probeInterval  = time.Second
	cleanupTimeout = 6 * time.Second
	// phaseTimeout is "a few probe intervals" plus slack for a loaded CI machine.
	phaseTimeout = 15 * time.Second
)

var (
	owner  = v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice@example.com", Role: v1alpha1.RoleOwner}
	viewer = v1alpha1.Member{Kind: v1alpha1.MemberGroup, Name: "platform-viewers", Role: v1alpha1.RoleMember}
)

// TestReconciler drives the reconciler, running with exactly the rights of deploy/base/rbac.yaml,
// against a real hub, a K3s downstream (3 servers with embedded etcd, 5 agents) and a plain
// downstream whose cattle-system namespace predates the import, once with the downstreams at
// each of testenv.DownstreamVersions (the newest release and the oldest supported minor; the
// hub is always at the newest).
func TestReconciler(t *testing.T) {
	for _, version := range testenv.DownstreamVersions() {
		t.Run("downstreams at "+version, func(t *testing.T) { testReconciler(t, version) })
	}
}

func testReconciler(t *testing.T, version string) {
	clusters := testenv.StartAll(t,
		testenv.Options{Name: "hub", HubCRDs: true},
		testenv.Options{Name: "k3s", K3s: true, Version: version},
		testenv.Options{Name: "plain", Version: version})
	hub, k3s, plain := clusters[0], clusters[1], clusters[2]
	ctx := context.Background()
	must(t, testenv.CreateK3sNodes(ctx, k3s.Client, 3, 5, k3s.Version))
	must(t, testenv.CreateNodes(ctx, plain.Client, "node", 2, plain.Version, nil))
	must(t, plain.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace, Labels: map[string]string{"team": "platform"}}}))
	must(t, plain.Client.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "platform-settings", Namespace: v1alpha1.AgentNamespace}}))
	logPath := startReconciler(t, hub, controller.Options{ProbeInterval: probeInterval, ProbeTimeout: 2 * time.Second, CleanupTimeout: cleanupTimeout})

	k3sReq, k3sToken := prepareImport(t, hub, k3s, "k3s", []v1alpha1.Member{owner})
	plainReq, plainToken := prepareImport(t, hub, plain, "plain", nil)

	t.Run("pending until the credentials arrive, then active", func(t *testing.T) {
		_, err := importer.Apply(ctx, hub.Client, k3sReq.ImportedCluster(), io.Discard)
		must(t, err)
		ic := waitPhase(t, hub, "k3s", v1alpha1.PhasePending, v1alpha1.ReasonCredentialsMissing, phaseTimeout)
		assertConnected(t, ic, "waiting for the credentials Secret kimport-system/k3s-credentials (labelled kimport.dev/cluster=k3s)")

		_, err = importer.Register(ctx, hub.Client, k3sReq, k3sToken, io.Discard)
		must(t, err)
		ic = waitPhase(t, hub, "k3s", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
		assertStatus(t, ic, v1alpha1.DistK3s, k3s.Version, v1alpha1.NodeSummary{
			Total: 8, Ready: 8, Etcd: 3,
			ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 3},
			Workers:      v1alpha1.PoolSummary{Total: 5, Ready: 5},
		}, []v1alpha1.Project{
			{Name: "Default", Namespaces: []string{"default"}},
			{Name: "System", Namespaces: []string{"cattle-system", "kube-public", "kube-system"}},
		})
		assertProjectLabels(t, k3s, map[string]string{"default": "default", "cattle-system": "system", "kube-public": "system", "kube-system": "system", "kube-node-lease": ""})
		assertMemberBindings(t, k3s, "k3s", owner)
		waitEvent(t, hub, "k3s", corev1.EventTypeNormal, "Active", "Pending -> Active")
	})

	t.Run("unready nodes are counted and named", func(t *testing.T) {
		must(t, testenv.SetNodeReady(ctx, k3s.Client, "k3s-agent-3", false))
		eventually(t, phaseTimeout, "k3s-agent-3 reported NotReady", func(ctx context.Context) error {
			ic, err := getCluster(ctx, hub, "k3s")
			if err != nil {
				return err
			}
			want := v1alpha1.NodeSummary{Total: 8, Ready: 7, Etcd: 3,
				ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 3},
				Workers:      v1alpha1.PoolSummary{Total: 5, Ready: 4, NotReady: []string{"k3s-agent-3"}}}
			if ic.Status.Nodes == nil || !reflect.DeepEqual(*ic.Status.Nodes, want) {
				return fmt.Errorf("nodes = %+v, want %+v", ic.Status.Nodes, want)
			}
			return nil
		})
		must(t, testenv.SetNodeReady(ctx, k3s.Client, "k3s-agent-3", true))
	})

	t.Run("member changes are reflected downstream", func(t *testing.T) {
		ic, err := getCluster(ctx, hub, "k3s")
		must(t, err)
		ic.Spec.Members = []v1alpha1.Member{viewer}
		must(t, hub.Client.Update(ctx, ic))
		eventually(t, phaseTimeout, "only the viewer's binding downstream", func(ctx context.Context) error {
			return memberBindingsAre(ctx, k3s, "k3s", viewer)
		})
		assertMemberBindings(t, k3s, "k3s", viewer)
		ic = waitPhase(t, hub, "k3s", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
		if ic.Status.ObservedGeneration != ic.Generation {
			t.Errorf("observedGeneration = %d, want %d", ic.Status.ObservedGeneration, ic.Generation)
		}
	})

	t.Run("outage makes the cluster unavailable until the API server is back", func(t *testing.T) {
		k3s.StopAPIServer(t)
		ic := waitPhase(t, hub, "k3s", v1alpha1.PhaseUnavailable, v1alpha1.ReasonProbeFailed, 5*probeInterval+5*time.Second)
		msg := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionConnected).Message
		if !strings.HasPrefix(msg, "cannot reach the downstream at "+k3s.Config.Host+": ") {
			t.Errorf("Connected message = %q, want it to name %s and what failed", msg, k3s.Config.Host)
		}
		waitEvent(t, hub, "k3s", corev1.EventTypeWarning, "Unavailable", "Active -> Unavailable: Connected: cannot reach the downstream at "+k3s.Config.Host)
		k3s.StartAPIServer(t)
		waitPhase(t, hub, "k3s", v1alpha1.PhaseActive, v1alpha1.ReasonReached, 30*time.Second)
		waitEvent(t, hub, "k3s", corev1.EventTypeNormal, "Active", "Unavailable -> Active")
	})

	t.Run("plain cluster is generic", func(t *testing.T) {
		_, err := importer.Register(ctx, hub.Client, plainReq, plainToken, io.Discard)
		must(t, err)
		ic := waitPhase(t, hub, "plain", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
		assertStatus(t, ic, v1alpha1.DistGeneric, plain.Version, v1alpha1.NodeSummary{
			Total: 2, Ready: 2, Workers: v1alpha1.PoolSummary{Total: 2, Ready: 2},
		}, []v1alpha1.Project{
			{Name: "Default", Namespaces: []string{"default"}},
			{Name: "System", Namespaces: []string{"cattle-system", "kube-public", "kube-system"}},
		})
		assertMemberBindings(t, plain, "plain")
	})

	t.Run("credentials reaching another cluster are refused and never used for cleanup", func(t *testing.T) {
		const fakeID = "00000000-0000-0000-0000-000000000000"
		creds := hubcreds.Credentials{Server: plain.Config.Host, CAData: plain.Config.CAData, Token: plainToken}
		must(t, hub.Client.Create(ctx, hubcreds.Secret("impostor", creds)))
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "impostor"}, Spec: v1alpha1.ImportedClusterSpec{
			ClusterID: fakeID, APIServer: plain.Config.Host,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("impostor")},
			Members:              []v1alpha1.Member{owner},
		}}
		must(t, hub.Client.Create(ctx, ic))
		ic = waitPhase(t, hub, "impostor", v1alpha1.PhasePending, v1alpha1.ReasonIdentityMismatch, phaseTimeout)
		assertConnected(t, ic, fmt.Sprintf("the downstream's kube-system UID is %s but spec.clusterID is %s: the credentials reach a different cluster; nothing is changed there", plainReq.ClusterID, fakeID))
		assertMemberBindings(t, plain, "impostor") // the impostor's member was not applied

		must(t, hub.Client.Delete(ctx, ic))
		waitGone(t, hub.Client, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "impostor"}}, phaseTimeout)
		waitEvent(t, hub, "impostor", corev1.EventTypeWarning, "CleanupAbandoned", "gave up on the downstream (the downstream's kube-system UID is "+plainReq.ClusterID)
		var cr rbacv1.ClusterRole
		must(t, plain.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &cr))
		assertProjectLabels(t, plain, map[string]string{"default": "default", "cattle-system": "system"})
		waitPhase(t, hub, "plain", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
	})

	t.Run("no token in status, events or logs", func(t *testing.T) {
		var events corev1.EventList
		must(t, hub.Client.List(ctx, &events))
		var ics v1alpha1.ImportedClusterList
		must(t, hub.Client.List(ctx, &ics))
		logs, err := os.ReadFile(logPath)
		must(t, err)
		if len(events.Items) == 0 || len(ics.Items) == 0 || len(logs) == 0 {
			t.Fatalf("nothing to inspect: %d events, %d clusters, %d bytes of log", len(events.Items), len(ics.Items), len(logs))
		}
		seen, _ := json.Marshal([]any{events, ics})
		for name, token := range map[string]string{"k3s": k3sToken, "plain": plainToken} {
			if strings.Contains(string(seen), token) || strings.Contains(string(logs), token) {
				t.Errorf("the agent token of %s appears in hub events, status or reconciler log", name)
			}
		}
	})

	t.Run("delete removes every import object downstream and the hub records", func(t *testing.T) {
		must(t, hub.Client.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "k3s"}}))
		waitGone(t, hub.Client, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "k3s"}}, phaseTimeout)
		waitEvent(t, hub, "k3s", corev1.EventTypeNormal, "Disconnecting", "Active -> Disconnecting")
		assertHubRecordsGone(t, hub, k3sReq)
		for _, obj := range importObjects(true) {
			waitGone(t, k3s.Client, obj, 60*time.Second) // garbage collector, then namespace controller
		}
		assertMemberBindings(t, k3s, "k3s")
		assertProjectLabels(t, k3s, map[string]string{"default": "", "kube-public": "", "kube-system": ""})
	})

	t.Run("delete keeps a cattle-system namespace that predates the import", func(t *testing.T) {
		must(t, hub.Client.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}))
		waitGone(t, hub.Client, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, phaseTimeout)
		assertHubRecordsGone(t, hub, plainReq)
		for _, obj := range importObjects(false) {
			waitGone(t, plain.Client, obj, 30*time.Second)
		}
		var ns corev1.Namespace
		must(t, plain.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentNamespace}, &ns))
		if ns.DeletionTimestamp != nil || !reflect.DeepEqual(ns.Labels, map[string]string{"team": "platform", corev1.LabelMetadataName: v1alpha1.AgentNamespace}) {
			t.Errorf("cattle-system: deletionTimestamp %v, labels %v; want it kept with only its own labels", ns.DeletionTimestamp, ns.Labels)
		}
		var cm corev1.ConfigMap
		must(t, plain.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: "platform-settings"}, &cm))
		assertProjectLabels(t, plain, map[string]string{"default": "", "cattle-system": "", "kube-system": ""})
	})

	t.Run("an unreachable downstream is given up after the cleanup timeout", func(t *testing.T) {
		req, token := prepareImport(t, hub, plain, "plain-again", []v1alpha1.Member{owner})
		_, err := importer.Register(ctx, hub.Client, req, token, io.Discard)
		must(t, err)
		waitPhase(t, hub, "plain-again", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
		plain.StopAPIServer(t)
		start := time.Now()
		must(t, hub.Client.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "plain-again"}}))
		waitGone(t, hub.Client, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "plain-again"}}, cleanupTimeout+phaseTimeout)
		if took := time.Since(start); took < cleanupTimeout-time.Second {
			t.Errorf("gave up after %s, before the cleanup timeout %s", took, cleanupTimeout)
		}
		waitEvent(t, hub, "plain-again", corev1.EventTypeWarning, "CleanupAbandoned",
			"gave up on the downstream (cannot reach the downstream at "+plain.Config.Host+": reading namespace kube-system: ")
		waitEvent(t, hub, "plain-again", corev1.EventTypeWarning, "CleanupAbandoned",
			"may be left behind there: ClusterRoleBindings "+agent.MemberBindingName(owner)+"; label kimport.dev/project on namespaces default, cattle-system, kube-public, kube-system; ClusterRole kimport-agent")
		assertHubRecordsGone(t, hub, req)
		plain.StartAPIServer(t)
		var cr rbacv1.ClusterRole // left behind, as the event says
		eventually(t, 30*time.Second, "downstream back with the agent ClusterRole left behind", func(ctx context.Context) error {
			return plain.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &cr)
		})
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func assertStatus(t *testing.T, ic *v1alpha1.ImportedCluster, dist v1alpha1.Distribution, version string, nodes v1alpha1.NodeSummary, projects []v1alpha1.Project) {
	t.Helper()
	st := ic.Status
	if st.Distribution != dist || st.KubernetesVersion != version {
		t.Errorf("distribution %q version %q, want %q %q", st.Distribution, st.KubernetesVersion, dist, version)
	}
	if st.Nodes == nil || !reflect.DeepEqual(*st.Nodes, nodes) {
		t.Errorf("nodes = %+v, want %+v", st.Nodes, nodes)
	}
	if !reflect.DeepEqual(st.Projects, projects) {
		t.Errorf("projects = %+v, want %+v", st.Projects, projects)
	}
	if st.LastProbeTime == nil || st.ObservedGeneration != ic.Generation {
		t.Errorf("lastProbeTime %v observedGeneration %d, want set and %d", st.LastProbeTime, st.ObservedGeneration, ic.Generation)
	}
	for typ, reason := range map[string]string{
		v1alpha1.ConditionConnected:        v1alpha1.ReasonReached,
		v1alpha1.ConditionProjectsAssigned: v1alpha1.ReasonAssigned,
		v1alpha1.ConditionMembersApplied:   v1alpha1.ReasonApplied,
	} {
		c := meta.FindStatusCondition(st.Conditions, typ)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != reason {
			t.Errorf("condition %s = %+v, want True/%s", typ, c, reason)
		}
	}
	if !slices.Contains(ic.Finalizers, v1alpha1.Finalizer) {
		t.Errorf("finalizers = %v, want %s", ic.Finalizers, v1alpha1.Finalizer)
	}
}

// assertProjectLabels checks the project label of each namespace ("" = no label).
func assertProjectLabels(t *testing.T, ds *testenv.Cluster, want map[string]string) {
	t.Helper()
	for name, project := range want {
		var ns corev1.Namespace
		must(t, ds.Client.Get(context.Background(), client.ObjectKey{Name: name}, &ns))
		if got, ok := ns.Labels[v1alpha1.ProjectLabel]; got != project || ok != (project != "") {
			t.Errorf("%s: namespace %s label %s = %q (present %v), want %q", ds.Name, name, v1alpha1.ProjectLabel, got, ok, project)
		}
	}
}

func memberBindingsAre(ctx context.Context, ds *testenv.Cluster, cluster string, members ...v1alpha1.Member) error {
	var list rbacv1.ClusterRoleBindingList
	if err := ds.Client.List(ctx, &list, client.MatchingLabels{v1alpha1.MemberLabel: "true", v1alpha1.ClusterLabel: cluster}); err != nil {
		return err
	}
	if len(list.Items) != len(members) {
		return fmt.Errorf("%d member bindings, want %d: %+v", len(list.Items), len(members), list.Items)
	}
	// Judge the one listed snapshot: a Get after the List could see a binding the reconciler
	// created in between and pass while a stale one is still there.
	listed := map[string]rbacv1.ClusterRoleBinding{}
	for _, b := range list.Items {
		listed[b.Name] = b
	}
	for _, m := range members {
		want := agent.MemberBinding(cluster, m)
		got, ok := listed[want.Name]
		if !ok {
			return fmt.Errorf("no member binding %s among %+v", want.Name, list.Items)
		}
		if !reflect.DeepEqual(got.Subjects, want.Subjects) || got.RoleRef != want.RoleRef {
			return fmt.Errorf("binding %s: subjects %+v roleRef %+v, want %+v %+v", want.Name, got.Subjects, got.RoleRef, want.Subjects, want.RoleRef)
		}
	}
	return nil
}

func assertMemberBindings(t *testing.T, ds *testenv.Cluster, cluster string, members ...v1alpha1.Member) {
	t.Helper()
	if err := memberBindingsAre(context.Background(), ds, cluster, members...); err != nil {
		t.Errorf("%s: %v", ds.Name, err)
	}
}

// importObjects are the downstream objects an import creates (cattle-system only when it
// created the namespace).
func importObjects(createdNamespace bool) []client.Object {
	ns, cr, rest := agent.Objects(agent.Registration{})
	objs := []client.Object{cr}
	for _, o := range rest {
		objs = append(objs, o.(client.Object))
	}
	if createdNamespace {
		objs = append(objs, ns)
	}
	return objs
}

func assertHubRecordsGone(t *testing.T, hub *testenv.Cluster, req importer.Request) {
	t.Helper()
	waitGone(t, hub.Client, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(req.Name)}}, phaseTimeout)
	waitGone(t, hub.Client, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(req.ClusterID)}}, phaseTimeout)
}

func waitGone(t *testing.T, c client.Client, obj client.Object, timeout time.Duration) {
	t.Helper()
	key := client.ObjectKeyFromObject(obj)
	eventually(t, timeout, fmt.Sprintf("%T %s gone", obj, key), func(ctx context.Context) error {
		err := c.Get(ctx, key, obj)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there (deletionTimestamp %v, finalizers %v)", obj.GetDeletionTimestamp(), obj.GetFinalizers())
	})
}

// waitEvent waits for an event about the cluster with this type and reason whose message
// contains msg.
func waitEvent(t *testing.T, hub *testenv.Cluster, cluster, eventType, reason, msg string) {
	t.Helper()
	eventually(t, phaseTimeout, fmt.Sprintf("%s event %s about %s", eventType, reason, cluster), func(ctx context.Context) error {
		events, err := eventsAbout(ctx, hub, cluster)
		if err != nil {
			return err
		}
		var seen []string
		for _, e := range events {
			if e.Type == eventType && e.Reason == reason && strings.Contains(e.Message, msg) {
				return nil
			}
			seen = append(seen, e.Type+"/"+e.Reason+": "+e.Message)
		}
		return fmt.Errorf("events seen: %q", seen)
	})
}

// eventsAbout lists the hub's events about one ImportedCluster.
func eventsAbout(ctx context.Context, hub *testenv.Cluster, cluster string) ([]corev1.Event, error) {
	var list corev1.EventList
	if err := hub.Client.List(ctx, &list, client.InNamespace(metav1.NamespaceDefault)); err != nil {
		return nil, err
	}
	var about []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == cluster && e.InvolvedObject.Kind == "ImportedCluster" {
			about = append(about, e)
		}
	}
	return about, nil
}
