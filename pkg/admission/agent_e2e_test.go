package admission_test

import (
	"context"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// agentClients act on the hub with one bearer token.
type agentClients struct {
	c  client.WithWatch
	cs kubernetes.Interface
}

func bearer(t *testing.T, hub *rest.Config, token string) agentClients {
	t.Helper()
	cfg := &rest.Config{Host: hub.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.CAData}}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return agentClients{c: c, cs: kubernetes.NewForConfigOrDie(cfg)}
}

// TestAgentHubRights: the agent of cluster a, with the hub identity agent.HubIdentity gives
// it and a real token of its ServiceAccount, against the hub's real API server and the real
// webhook over TLS. It reaches its own ImportedCluster, status, heartbeat Lease, next token
// and bootstrap Secret, and nothing of cluster b's nor any Secret's content; the webhook
// keeps the hub's Heartbeat condition from it. Every refusal changes nothing.
func TestAgentHubRights(t *testing.T) {
	e := start(t, false) // the test plays the hub component through e.server.Client
	ctx := context.Background()
	admin := e.hub.Client
	ns := v1alpha1.HubNamespace
	heartbeat := metav1.Condition{Type: v1alpha1.ConditionHeartbeat, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRenewed,
		Message: "renewed", LastTransitionTime: metav1.NewTime(time.Now().Truncate(time.Second))}
	for _, name := range []string{"a", "b"} {
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: idLabel(clusterIDFor(name))},
			Spec: v1alpha1.ImportedClusterSpec{Mode: v1alpha1.ModeAgent, ClusterID: clusterIDFor(name), APIServer: "https://" + name + ".example:6443",
				CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}}}
		if err := admin.Create(ctx, ic); err != nil {
			t.Fatal(err)
		}
		ic.Status = v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, Conditions: []metav1.Condition{heartbeat}}
		if err := e.server.Client.Status().Update(ctx, ic); err != nil {
			t.Fatalf("the hub component writing the status of %s: %v", name, err)
		}
		for _, obj := range agent.HubIdentity(name) {
			if err := admin.Create(ctx, obj); err != nil {
				t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
			}
		}
	}
	cs := kubernetes.NewForConfigOrDie(e.hub.Config)
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("a"), agent.TokenRequest(agent.HubTokenLifetime), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := bearer(t, e.hub.Config, tr.Status.Token)

	// snapshot returns the resourceVersion of obj as the admin reads it, to prove a refused
	// request changed nothing.
	snapshot := func(t *testing.T, obj client.Object) string {
		t.Helper()
		if err := admin.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Fatalf("%T %s: %v", obj, obj.GetName(), err)
		}
		return obj.GetResourceVersion()
	}
	unchanged := func(t *testing.T, obj client.Object, rv string) {
		t.Helper()
		if now := snapshot(t, obj.DeepCopyObject().(client.Object)); now != rv {
			t.Errorf("%T %s changed (resourceVersion %s, was %s) although the request was refused", obj, obj.GetName(), now, rv)
		}
	}
	forbidden := func(t *testing.T, what string, err error) {
		t.Helper()
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s: got %v, want Forbidden", what, err)
			return
		}
		t.Logf("%s: refused: %v", what, err)
	}
	allowed := func(t *testing.T, what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	icKey := func(name string) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}

	t.Run("refused: cluster b", func(t *testing.T) {
		b := icKey("b")
		rv := snapshot(t, b)
		forbidden(t, "get b", a.c.Get(ctx, client.ObjectKey{Name: "b"}, &v1alpha1.ImportedCluster{}))
		forbidden(t, "list all", a.c.List(ctx, &v1alpha1.ImportedClusterList{}))
		forbidden(t, "list b", a.c.List(ctx, &v1alpha1.ImportedClusterList{}, client.MatchingFields{"metadata.name": "b"}))
		changed := b.DeepCopy()
		changed.Spec.DisplayName = "taken"
		forbidden(t, "update b", a.c.Update(ctx, changed.DeepCopy()))
		changed = b.DeepCopy()
		changed.Status.KubernetesVersion = "v0.0.0-forged"
		forbidden(t, "update b's status", a.c.Status().Update(ctx, changed))
		unchanged(t, b, rv)
	})

	t.Run("refused: a's spec and a's Heartbeat condition", func(t *testing.T) {
		ic := icKey("a")
		rv := snapshot(t, ic)
		changed := ic.DeepCopy()
		changed.Spec.APIServer = "https://elsewhere.example:6443"
		forbidden(t, "update a", a.c.Update(ctx, changed))
		changed = ic.DeepCopy()
		apimeta.SetStatusCondition(&changed.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionHeartbeat,
			Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonRenewed, Message: "forged by the agent"})
		err := a.c.Status().Update(ctx, changed)
		forbidden(t, "changing a's Heartbeat condition", err)
		if err != nil {
			mustContain(t, "refusal", err.Error(), deniedPrefix, "status.conditions[Heartbeat]: Forbidden: the agent of \"a\" may not set, change or remove the Heartbeat condition")
		}
		changed = ic.DeepCopy()
		changed.Status.Conditions = nil
		forbidden(t, "removing a's Heartbeat condition", a.c.Status().Update(ctx, changed))
		unchanged(t, ic, rv)
	})

	t.Run("refused: lease cluster-b", func(t *testing.T) {
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.HeartbeatName("b"), Namespace: ns}}
		rv := snapshot(t, lease)
		_, err := a.cs.CoordinationV1().Leases(ns).Get(ctx, lease.Name, metav1.GetOptions{})
		forbidden(t, "get lease cluster-b", err)
		changed := lease.DeepCopy()
		changed.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
		_, err = a.cs.CoordinationV1().Leases(ns).Update(ctx, changed, metav1.UpdateOptions{})
		forbidden(t, "update lease cluster-b", err)
		unchanged(t, lease, rv)
	})

	t.Run("refused: secrets, b's token and b's bootstrap Secret", func(t *testing.T) {
		secrets := a.cs.CoreV1().Secrets(ns)
		for _, name := range []string{v1alpha1.AgentBootstrapName("a"), v1alpha1.AgentBootstrapName("b"), "kimport-webhook-tls"} {
			_, err := secrets.Get(ctx, name, metav1.GetOptions{})
			forbidden(t, "get secret "+name, err)
		}
		_, err := secrets.List(ctx, metav1.ListOptions{})
		forbidden(t, "list secrets", err)
		_, err = a.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("b"), agent.TokenRequest(agent.HubTokenLifetime), metav1.CreateOptions{})
		forbidden(t, "a token of kimport-agent-b", err)
		bootstrapB := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentBootstrapName("b"), Namespace: ns}}
		rv := snapshot(t, bootstrapB)
		forbidden(t, "delete "+bootstrapB.Name, secrets.Delete(ctx, bootstrapB.Name, metav1.DeleteOptions{}))
		unchanged(t, bootstrapB, rv)
	})

	t.Run("allowed: its own cluster, status, lease and token", func(t *testing.T) {
		var ic v1alpha1.ImportedCluster
		allowed(t, "get a", a.c.Get(ctx, client.ObjectKey{Name: "a"}, &ic))
		var list v1alpha1.ImportedClusterList
		allowed(t, "list a by name", a.c.List(ctx, &list, client.MatchingFields{"metadata.name": "a"}))
		if len(list.Items) != 1 || list.Items[0].Name != "a" {
			t.Errorf("list a by name: %d items", len(list.Items))
		}
		w, err := a.c.Watch(ctx, &v1alpha1.ImportedClusterList{}, client.MatchingFields{"metadata.name": "a"})
		allowed(t, "watch a by name", err)
		if err == nil {
			select {
			case ev := <-w.ResultChan():
				if got, ok := ev.Object.(*v1alpha1.ImportedCluster); ev.Type != watch.Added || !ok || got.Name != "a" {
					t.Errorf("watch a: first event %s %T", ev.Type, ev.Object)
				}
			case <-time.After(30 * time.Second):
				t.Error("watch a: no event in 30s")
			}
			w.Stop()
		}

		ic.Status.KubernetesVersion = "v1.37.2"
		allowed(t, "update a's status", a.c.Status().Update(ctx, &ic))
		var got v1alpha1.ImportedCluster
		if err := admin.Get(ctx, client.ObjectKey{Name: "a"}, &got); err != nil || got.Status.KubernetesVersion != "v1.37.2" {
			t.Errorf("a's status.kubernetesVersion = %q (%v)", got.Status.KubernetesVersion, err)
		}

		leases := a.cs.CoordinationV1().Leases(ns)
		lease, err := leases.Get(ctx, v1alpha1.HeartbeatName("a"), metav1.GetOptions{})
		allowed(t, "get lease cluster-a", err)
		if err == nil {
			lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
			allowed(t, "renew lease cluster-a", err)
		}

		next, err := a.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("a"), agent.SessionTokenRequest("a", agent.HubTokenLifetime), metav1.CreateOptions{})
		allowed(t, "its own next token", err)
		if err == nil {
			renewed := bearer(t, e.hub.Config, next.Status.Token)
			allowed(t, "get a with the renewed token", renewed.c.Get(ctx, client.ObjectKey{Name: "a"}, &v1alpha1.ImportedCluster{}))
		}
	})

	t.Run("refused: its status once its cluster is in Direct mode", func(t *testing.T) {
		ic := icKey("a")
		snapshot(t, ic)
		ic.Spec.Mode = v1alpha1.ModeDirect
		if err := admin.Update(ctx, ic); err != nil {
			t.Fatal(err)
		}
		var mine v1alpha1.ImportedCluster
		allowed(t, "get a", a.c.Get(ctx, client.ObjectKey{Name: "a"}, &mine))
		rv := mine.ResourceVersion
		mine.Status.KubernetesVersion = "v1.37.3"
		err := a.c.Status().Update(ctx, &mine)
		forbidden(t, "update a's status in Direct mode", err)
		if err != nil {
			mustContain(t, "refusal", err.Error(), deniedPrefix, `status: Forbidden: the agent of "a" writes its status only while spec.mode is Agent (it is "Direct")`)
		}
		unchanged(t, icKey("a"), rv)
		ic = icKey("a")
		snapshot(t, ic)
		ic.Spec.Mode = v1alpha1.ModeAgent
		if err := admin.Update(ctx, ic); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the bootstrap token ends with its Secret", func(t *testing.T) {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentBootstrapName("a"), Namespace: ns}}
		snapshot(t, secret)
		tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, v1alpha1.AgentName("a"),
			agent.BootstrapTokenRequest("a", agent.BootstrapLifetime, secret.UID), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		boot := bearer(t, e.hub.Config, tr.Status.Token)
		allowed(t, "get a with the bootstrap token", boot.c.Get(ctx, client.ObjectKey{Name: "a"}, &v1alpha1.ImportedCluster{}))
		review, err := boot.cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil || review.Status.UserInfo.Username != v1alpha1.AgentUsername("a") {
			t.Errorf("the bootstrap token is not the agent of a: %v", err)
		}

		// The agent, with its own token, ends the bootstrap token.
		allowed(t, "delete "+secret.Name, a.cs.CoreV1().Secrets(ns).Delete(ctx, secret.Name, metav1.DeleteOptions{}))
		// The API server may cache a token's authentication for a few seconds.
		var last error
		err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			last = boot.c.Get(ctx, client.ObjectKey{Name: "a"}, &v1alpha1.ImportedCluster{})
			return apierrors.IsUnauthorized(last), nil
		})
		if err != nil {
			t.Errorf("the bootstrap token still works 30s after its Secret was deleted (last answer: %v)", last)
		}
		allowed(t, "get a with the agent's own token", a.c.Get(ctx, client.ObjectKey{Name: "a"}, &v1alpha1.ImportedCluster{}))
	})

	t.Run("no token in a refusal", func(t *testing.T) {
		err := a.c.Get(ctx, client.ObjectKey{Name: "b"}, &v1alpha1.ImportedCluster{})
		if err != nil && strings.Contains(err.Error(), tr.Status.Token) {
			t.Error("a refusal repeats the token")
		}
	})
}
