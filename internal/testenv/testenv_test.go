package testenv

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The test clusters must behave like real ones where the product depends on it.
func TestControlPlaneBehavesLikeARealCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := Start(t, Options{Name: "k3s", K3s: true, HubCRDs: true})

	t.Run("reports a K3s version", func(t *testing.T) {
		info, err := discovery.NewDiscoveryClientForConfigOrDie(c.Config).ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		if want := HubVersion() + "+k3s1"; info.GitVersion != want || c.Version != want {
			t.Fatalf("gitVersion = %q, Cluster.Version %q, want %s", info.GitVersion, c.Version, want)
		}
	})

	t.Run("hub CRD and namespace installed", func(t *testing.T) {
		var list v1alpha1.ImportedClusterList
		if err := c.Client.List(ctx, &list); err != nil {
			t.Fatalf("listing ImportedClusters: %v", err)
		}
		var ns corev1.Namespace
		if err := c.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.HubNamespace}, &ns); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("token Secrets receive a token", func(t *testing.T) {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: "default"}}
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "probe-token", Namespace: "default",
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "probe"}}, Type: corev1.SecretTypeServiceAccountToken}
		must(t, c.Client.Create(ctx, sa))
		must(t, c.Client.Create(ctx, secret))
		eventually(t, ctx, func() bool {
			must(t, c.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret))
			return len(secret.Data["token"]) > 0 && len(secret.Data["ca.crt"]) > 0
		})
	})

	t.Run("owner references are garbage-collected", func(t *testing.T) {
		owner := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}
		must(t, c.Client.Create(ctx, owner))
		dep := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dependent", Namespace: "default",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "owner", UID: owner.UID}}}}
		must(t, c.Client.Create(ctx, dep))
		must(t, c.Client.Delete(ctx, owner, client.PropagationPolicy(metav1.DeletePropagationBackground)))
		eventually(t, ctx, func() bool {
			return apierrors.IsNotFound(c.Client.Get(ctx, client.ObjectKeyFromObject(dep), dep))
		})
	})

	t.Run("deleted namespaces finish terminating", func(t *testing.T) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}
		must(t, c.Client.Create(ctx, ns))
		must(t, c.Client.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "doomed"}}))
		must(t, c.Client.Delete(ctx, ns))
		eventually(t, ctx, func() bool { return apierrors.IsNotFound(c.Client.Get(ctx, client.ObjectKeyFromObject(ns), ns)) })
	})

	t.Run("K3s nodes", func(t *testing.T) {
		must(t, CreateK3sNodes(ctx, c.Client, 3, 5, c.Version))
		var nodes corev1.NodeList
		must(t, c.Client.List(ctx, &nodes))
		if len(nodes.Items) != 8 {
			t.Fatalf("%d nodes, want 8", len(nodes.Items))
		}
		var server corev1.Node
		must(t, c.Client.Get(ctx, client.ObjectKey{Name: "k3s-server-1"}, &server))
		if server.Labels[v1alpha1.NodeRoleEtcd] != "true" || server.Status.NodeInfo.KubeletVersion != c.Version ||
			!strings.Contains(server.Annotations[AnnotationArgs], `"--token","********"`) {
			t.Fatalf("server node lacks K3s labels/annotations/status: %+v", server.ObjectMeta)
		}
		must(t, SetNodeReady(ctx, c.Client, "k3s-agent-2", false))
		must(t, c.Client.Get(ctx, client.ObjectKey{Name: "k3s-agent-2"}, &server))
		if server.Status.Conditions[0].Status != corev1.ConditionFalse {
			t.Fatalf("k3s-agent-2 still Ready")
		}
	})

	t.Run("API server stops and starts again with the same certificates", func(t *testing.T) {
		user, _ := c.AddUser(t, "alice", nil)
		c.StopAPIServer(t)
		if _, err := discovery.NewDiscoveryClientForConfigOrDie(c.Config).ServerVersion(); err == nil {
			t.Fatal("API server still answers after StopAPIServer")
		}
		c.StartAPIServer(t)
		if _, err := discovery.NewDiscoveryClientForConfigOrDie(c.Config).ServerVersion(); err != nil {
			t.Fatalf("admin credentials rejected after restart: %v", err)
		}
		// alice has no rights: an authenticated 403, not a TLS or 401 failure.
		uc, err := client.New(user, client.Options{})
		must(t, err)
		err = uc.List(ctx, &corev1.NodeList{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("alice listing nodes: %v, want Forbidden", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not met before the deadline")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestVersions(t *testing.T) {
	for env, want := range map[string]string{
		"":                        DefaultHubVersion + " " + DefaultOldestVersion,
		"v1.37.2":                 "v1.37.2",
		" v1.37.2  v1.35.4 ":      "v1.37.2 v1.35.4",
		"v1.37.2 v1.35.4 v1.37.2": "v1.37.2 v1.35.4",
	} {
		t.Setenv(VersionsEnv, env)
		if got := strings.Join(Versions(), " "); got != want {
			t.Errorf("%s=%q: Versions() = %q, want %q", VersionsEnv, env, got, want)
		}
		if got := HubVersion(); got != strings.Fields(want)[0] {
			t.Errorf("%s=%q: HubVersion() = %q", VersionsEnv, env, got)
		}
	}
}

func TestAssetsDirNamesTheVersion(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(AssetsEnv, dir)
	_, err := AssetsDir("v1.99.0")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "v1.99.0")) || !strings.Contains(err.Error(), "make control-plane") {
		t.Fatalf("AssetsDir of a version not built: %v, want the directory and the remedy named", err)
	}
}
