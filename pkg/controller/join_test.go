package controller_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// TestTwoStepImport: a registration of `kubectl import create` waits for `join`; its join
// token is revoked when it expires, or once the cluster is Active and the downstream marker
// (what `join` waits on) says so.
func TestTwoStepImport(t *testing.T) {
	clusters := testenv.StartAll(t,
		testenv.Options{Name: "hub", HubCRDs: true},
		testenv.Options{Name: "edge"})
	hub, ds := clusters[0], clusters[1]
	ctx := context.Background()
	must(t, testenv.CreateNodes(ctx, ds.Client, "node", 2, ds.Version, nil))
	startReconciler(t, hub, controller.Options{ProbeInterval: probeInterval, ProbeTimeout: 2 * time.Second, CleanupTimeout: cleanupTimeout})

	t.Run("pending until join; deleted at once, with no downstream to clean", func(t *testing.T) {
		expires := time.Now().Add(time.Hour)
		createRegistration(t, hub, "waiting", expires)
		ic := waitPhase(t, hub, "waiting", v1alpha1.PhasePending, v1alpha1.ReasonAwaitingJoin, phaseTimeout)
		assertConnected(t, ic, "waiting for `kubectl import join` on the downstream (join token expires at "+rfc3339(expires)+
			"); if it expired: kubectl import create waiting --rotate-token")
		must(t, hub.Client.Get(ctx, client.ObjectKeyFromObject(joinAccount("waiting")), &corev1.ServiceAccount{}))
		waitEvent(t, hub, "waiting", corev1.EventTypeNormal, "Pending", "new -> Pending")

		must(t, hub.Client.Delete(ctx, ic))
		waitGone(t, hub.Client, ic, cleanupTimeout/2)
		waitGone(t, hub.Client, joinAccount("waiting"), phaseTimeout)
		waitGone(t, hub.Client, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName("waiting")}}, phaseTimeout)
		events, err := eventsAbout(ctx, hub, "waiting")
		must(t, err)
		for _, e := range events {
			if e.Type != corev1.EventTypeNormal || e.Reason != "Pending" {
				t.Errorf("event %s/%s: %s; want only the Pending one", e.Type, e.Reason, e.Message)
			}
		}
	})

	t.Run("an expired join token is revoked, once per expiry", func(t *testing.T) {
		expired := time.Now().Add(3 * time.Second)
		createRegistration(t, hub, "late", expired)
		ic := waitPhase(t, hub, "late", v1alpha1.PhasePending, v1alpha1.ReasonJoinTokenExpired, phaseTimeout)
		assertConnected(t, ic, "the join token expired at "+rfc3339(expired)+": print a fresh join command with kubectl import create late --rotate-token")
		waitGone(t, hub.Client, joinAccount("late"), phaseTimeout)
		if _, kept := ic.Annotations[v1alpha1.JoinExpiresAnnotation]; !kept {
			t.Errorf("annotation %s removed, want it kept until join", v1alpha1.JoinExpiresAnnotation)
		}
		waitEvent(t, hub, "late", corev1.EventTypeNormal, "JoinTokenRevoked",
			"deleted ServiceAccount kimport-system/kimport-join-late: the join token expired at "+rfc3339(expired))

		// What `create --rotate-token` does: a new account and a new expiry, here soon.
		must(t, hub.Client.Create(ctx, joinAccount("late")))
		rotated := time.Now().Add(5 * time.Second)
		setAnnotation(t, hub, "late", v1alpha1.JoinExpiresAnnotation, rfc3339(rotated))
		waitPhase(t, hub, "late", v1alpha1.PhasePending, v1alpha1.ReasonAwaitingJoin, phaseTimeout)
		must(t, hub.Client.Get(ctx, client.ObjectKeyFromObject(joinAccount("late")), &corev1.ServiceAccount{}))
		ic = waitPhase(t, hub, "late", v1alpha1.PhasePending, v1alpha1.ReasonJoinTokenExpired, phaseTimeout)
		assertConnected(t, ic, "the join token expired at "+rfc3339(rotated)+": print a fresh join command with kubectl import create late --rotate-token")
		waitGone(t, hub.Client, joinAccount("late"), phaseTimeout)

		// Revoked once, not at every probe: an account that reappears without a new expiry stays.
		must(t, hub.Client.Create(ctx, joinAccount("late")))
		time.Sleep(3 * probeInterval)
		must(t, hub.Client.Get(ctx, client.ObjectKeyFromObject(joinAccount("late")), &corev1.ServiceAccount{}))
	})

	t.Run("a joined registration loses its token at the hand-over, Active or not", func(t *testing.T) {
		expires := time.Now().Add(time.Hour)
		createRegistration(t, hub, "stray", expires)
		var ic *v1alpha1.ImportedCluster
		// The reconciler writes the registration meanwhile (finalizer, status): retry on a conflict.
		must(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var err error
			if ic, err = getCluster(ctx, hub, "stray"); err != nil {
				return err
			}
			ic.Spec.ClusterID, ic.Spec.APIServer = "00000000-0000-0000-0000-000000000001", "https://127.0.0.1:1"
			return hub.Client.Update(ctx, ic)
		}))
		must(t, hub.Client.Update(ctx, hubcreds.Secret("stray", hubcreds.Credentials{Server: ic.Spec.APIServer, CAData: ds.Config.CAData, Token: "unused"})))
		waitGone(t, hub.Client, joinAccount("stray"), phaseTimeout)
		waitEvent(t, hub, "stray", corev1.EventTypeNormal, "JoinTokenRevoked",
			"deleted ServiceAccount kimport-system/kimport-join-stray: the credentials were handed over")
		waitAnnotationGone(t, hub, "stray")
		ic = waitPhase(t, hub, "stray", v1alpha1.PhasePending, v1alpha1.ReasonProbeFailed, phaseTimeout)
		// Set without the label kimport.dev/cluster-id (no webhook here): the hub adds it, as for
		// a record stored before it was required, so the webhook finds this holder of the ID.
		if got := ic.Labels[v1alpha1.ClusterIDLabel]; got != ic.Spec.ClusterID {
			t.Errorf("label %s = %q, want the clusterID %q", v1alpha1.ClusterIDLabel, got, ic.Spec.ClusterID)
		}
	})

	t.Run("join makes it Active; the token is revoked at the hand-over and the marker shows Active", func(t *testing.T) {
		createRegistration(t, hub, "edge", time.Now().Add(time.Hour))
		waitPhase(t, hub, "edge", v1alpha1.PhasePending, v1alpha1.ReasonAwaitingJoin, phaseTimeout)
		// What `join` does: claim the identity, deploy the agent, fill in spec and credentials.
		req, token := prepareImport(t, hub, ds, "edge", []v1alpha1.Member{owner})
		_, err := importer.Register(ctx, hub.Client, req, token, io.Discard)
		must(t, err)
		waitGone(t, hub.Client, joinAccount("edge"), phaseTimeout)
		waitAnnotationGone(t, hub, "edge")
		waitEvent(t, hub, "edge", corev1.EventTypeNormal, "JoinTokenRevoked",
			"deleted ServiceAccount kimport-system/kimport-join-edge: the credentials were handed over")
		waitPhase(t, hub, "edge", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
		waitMarker(t, ds, v1alpha1.PhaseActive)
		assertMemberBindings(t, ds, "edge", owner)
	})

	t.Run("the marker follows the phase while the downstream is reachable", func(t *testing.T) {
		// Without the right to label namespaces, the agent cannot restore a removed project label.
		setAgentRules(t, ds, func(r *rbacv1.PolicyRule) {
			if r.Resources[0] == "namespaces" {
				r.Verbs = []string{"get", "list", "watch"}
			}
		})
		var ns corev1.Namespace
		must(t, ds.Client.Get(ctx, client.ObjectKey{Name: "default"}, &ns))
		delete(ns.Labels, v1alpha1.ProjectLabel)
		must(t, ds.Client.Update(ctx, &ns))
		waitMarker(t, ds, v1alpha1.PhaseUnavailable)
		waitPhase(t, hub, "edge", v1alpha1.PhaseUnavailable, v1alpha1.ReasonReached, phaseTimeout)

		setAgentRules(t, ds, nil)
		waitMarker(t, ds, v1alpha1.PhaseActive)
		waitPhase(t, hub, "edge", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
	})

	t.Run("a second registration joined by the same cluster loses the claim and never touches it", func(t *testing.T) {
		// Two joins of one cluster at once can both pass the webhook's cached duplicate check
		// (no webhook runs here): the identity claim decides.
		createRegistration(t, hub, "edge-twin", time.Now().Add(time.Hour))
		waitPhase(t, hub, "edge-twin", v1alpha1.PhasePending, v1alpha1.ReasonAwaitingJoin, phaseTimeout)
		edge, err := getCluster(ctx, hub, "edge")
		must(t, err)
		var creds corev1.Secret
		must(t, hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName("edge")}, &creds))
		twin, err := getCluster(ctx, hub, "edge-twin")
		must(t, err)
		twin.Spec.ClusterID, twin.Spec.APIServer = edge.Spec.ClusterID, edge.Spec.APIServer
		must(t, hub.Client.Update(ctx, twin))
		var twinCreds corev1.Secret
		must(t, hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName("edge-twin")}, &twinCreds))
		twinCreds.Data = creds.Data
		must(t, hub.Client.Update(ctx, &twinCreds))

		twin = waitPhase(t, hub, "edge-twin", v1alpha1.PhasePending, v1alpha1.ReasonIdentityClaimed, phaseTimeout)
		assertConnected(t, twin, "cluster ID "+edge.Spec.ClusterID+" is claimed by importedcluster edge: "+
			"this record of the same cluster is a duplicate and never touches the downstream; remove it with `kubectl import delete edge-twin`")

		// Deleting the duplicate must not disconnect the winner, whose agent it shares.
		must(t, hub.Client.Delete(ctx, twin))
		waitGone(t, hub.Client, twin, cleanupTimeout/2)
		must(t, ds.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &rbacv1.ClusterRole{}))
		var lease coordinationv1.Lease
		must(t, hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(edge.Spec.ClusterID)}, &lease))
		if h := lease.Spec.HolderIdentity; h == nil || *h != "edge" {
			t.Errorf("identity claim held by %v after the duplicate went, want edge", h)
		}
		time.Sleep(2 * probeInterval)
		waitPhase(t, hub, "edge", v1alpha1.PhaseActive, v1alpha1.ReasonReached, phaseTimeout)
	})
}

// setAnnotation sets one annotation of an ImportedCluster.
func setAnnotation(t *testing.T, hub *testenv.Cluster, cluster, key, value string) {
	t.Helper()
	ic, err := getCluster(context.Background(), hub, cluster)
	must(t, err)
	patch := client.MergeFrom(ic.DeepCopy())
	ic.Annotations[key] = value
	must(t, hub.Client.Patch(context.Background(), ic, patch))
}

// setAgentRules gives the downstream agent its ClusterRules, each passed through edit when
// not nil.
func setAgentRules(t *testing.T, ds *testenv.Cluster, edit func(*rbacv1.PolicyRule)) {
	t.Helper()
	var cr rbacv1.ClusterRole
	must(t, ds.Client.Get(context.Background(), client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &cr))
	cr.Rules = agent.ClusterRules()
	for i := range cr.Rules {
		if edit != nil && len(cr.Rules[i].Resources) > 0 {
			edit(&cr.Rules[i])
		}
	}
	must(t, ds.Client.Update(context.Background(), &cr))
}

func waitMarker(t *testing.T, ds *testenv.Cluster, phase v1alpha1.Phase) {
	t.Helper()
	eventually(t, phaseTimeout, "marker hubPhase "+string(phase), func(ctx context.Context) error {
		got, err := markerPhase(ctx, ds)
		if err == nil && got != string(phase) {
			err = fmt.Errorf("hubPhase %q", got)
		}
		return err
	})
}

// waitAnnotationGone waits until the cluster has no JoinExpiresAnnotation.
func waitAnnotationGone(t *testing.T, hub *testenv.Cluster, cluster string) {
	t.Helper()
	eventually(t, phaseTimeout, cluster+" without "+v1alpha1.JoinExpiresAnnotation, func(ctx context.Context) error {
		ic, err := getCluster(ctx, hub, cluster)
		if err != nil {
			return err
		}
		if v, ok := ic.Annotations[v1alpha1.JoinExpiresAnnotation]; ok {
			return fmt.Errorf("%s=%s", v1alpha1.JoinExpiresAnnotation, v)
		}
		return nil
	})
}
