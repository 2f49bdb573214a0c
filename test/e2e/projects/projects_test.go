// Package projects tests projects end to end: the plugin changes a cluster's projects in the
// hub (its webhook judging every write), the agent, a real process in the downstream, binds
// the members, and the members work in the project's namespaces and nowhere else.
package projects

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/deletecmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/kubeconfig"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/projects"
)

// syncInterval is the agent's: how often it observes the downstream (spec changes apply at
// once).
const syncInterval = 3 * time.Second

// TestProjectMembersAtWork imports a cluster in agent mode (the agent a real process with the
// downstream ServiceAccount's rights and fence, the hub component with its webhook over TLS),
// creates two projects with `kubectl import projects`, and then, as the members themselves (hub
// users with no hub rights, through the hub's gateway with `kubectl import kubeconfig`):
// a project-member creates a Deployment in its project's namespace and is refused in the
// other project's and in kube-system; a read-only member lists and cannot create; a namespace
// added to the project later, and one created later with the project label, work within one
// sync interval; one taken out of the project stops working. Every refusal changes nothing.
// The hub's webhook refuses, with typed causes the plugin names, a namespace in two projects
// and project-member of System for someone who is not a cluster-owner. Deleting the cluster
// removes every project binding and label the agent wrote.
func TestProjectMembersAtWork(t *testing.T) {
	hub, edge, _, agent := importEdge(t)
	ctx := context.Background()

	for _, ns := range []string{"team-a-dev", "team-b-prod", "team-a-staging"} {
		if err := edge.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	// The projects, as their owner makes them (NAME first, as the issue writes it).
	for _, args := range [][]string{
		{"edge-1", "create", "team-a", "--namespace", "team-a-dev", "--member", "User:dev=project-member", "--member", "User:viewer=read-only"},
		{"edge-1", "create", "team-b", "--namespace", "team-b-prod", "--member", "User:other=project-owner"},
	} {
		if out, errOut, err := run(t, projects.NewCmd, args...); err != nil || out != "importedcluster.kimport.dev/edge-1 configured\n" {
			t.Fatalf("projects %v: %v\n%s%s", args, err, out, errOut)
		}
	}
	// The members are hub users with no hub rights; they take their kubeconfigs once the sync
	// has given the impersonator their names (the verb checks that the gateway lets them in).
	_, devHub := hub.AddUser(t, "dev", nil)
	_, viewerHub := hub.AddUser(t, "viewer", nil)
	var dev, viewer client.Client
	hubtest.Eventually(t, 30*time.Second, func() (bool, string) {
		var err error
		if dev, err = throughTheHub(t, devHub, "edge-1"); err == nil {
			viewer, err = throughTheHub(t, viewerHub, "edge-1")
		}
		if err == nil {
			err = dryRunDeployment(ctx, dev, "team-a-dev")
		}
		return err == nil, fmt.Sprintf("dev creating a Deployment in team-a-dev through the hub: %v; conditions %+v", err, spec(t, hub, "edge-1").Status.Conditions)
	})

	t.Run("a project-member works in its project's namespace", func(t *testing.T) {
		if err := dev.Create(ctx, deployment("team-a-dev", "web")); err != nil {
			t.Fatalf("dev creating Deployment team-a-dev/web: %v", err)
		}
		mustExist(t, edge.Client, deployment("team-a-dev", "web"))
	})

	t.Run("and is refused in another project's namespace and in kube-system, changing nothing", func(t *testing.T) {
		for _, ns := range []string{"team-b-prod", metav1.NamespaceSystem} {
			err := dev.Create(ctx, deployment(ns, "web"))
			if !apierrors.IsForbidden(err) {
				t.Errorf("dev creating a Deployment in %s: got %v, want Forbidden", ns, err)
			}
			mustNotExist(t, edge.Client, deployment(ns, "web"))
		}
	})

	t.Run("a read-only member lists and cannot create", func(t *testing.T) {
		var list appsv1.DeploymentList
		if err := viewer.List(ctx, &list, client.InNamespace("team-a-dev")); err != nil || len(list.Items) != 1 || list.Items[0].Name != "web" {
			t.Errorf("viewer listing team-a-dev: %d items, %v", len(list.Items), err)
		}
		err := viewer.Create(ctx, deployment("team-a-dev", "viewers-own"))
		if !apierrors.IsForbidden(err) {
			t.Errorf("viewer creating a Deployment: got %v, want Forbidden", err)
		}
		mustNotExist(t, edge.Client, deployment("team-a-dev", "viewers-own"))
		if err := viewer.List(ctx, &list, client.InNamespace("team-b-prod")); !apierrors.IsForbidden(err) {
			t.Errorf("viewer listing team-b-prod: got %v, want Forbidden", err)
		}
	})

	t.Run("a namespace added to the project later works within one sync interval", func(t *testing.T) {
		if out, errOut, err := run(t, projects.NewCmd, "edge-1", "add-namespace", "team-a", "team-a-staging"); err != nil {
			t.Fatalf("add-namespace: %v\n%s%s", err, out, errOut)
		}
		took := waitFor(t, syncInterval+2*time.Second, func() error { return dryRunDeployment(ctx, dev, "team-a-staging") })
		t.Logf("team-a-staging usable by dev %s after add-namespace", took)
	})

	t.Run("a namespace created later with the project label works within one sync interval", func(t *testing.T) {
		labelled := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a-feature", Labels: map[string]string{v1alpha1.ProjectLabel: "team-a"}}}
		if err := edge.Client.Create(ctx, labelled); err != nil {
			t.Fatal(err)
		}
		took := waitFor(t, syncInterval+2*time.Second, func() error { return dryRunDeployment(ctx, dev, "team-a-feature") })
		t.Logf("team-a-feature usable by dev %s after it was created", took)
	})

	t.Run("a namespace taken out of the project stops working", func(t *testing.T) {
		if out, errOut, err := run(t, projects.NewCmd, "edge-1", "remove-namespace", "team-a", "team-a-staging"); err != nil {
			t.Fatalf("remove-namespace: %v\n%s%s", err, out, errOut)
		}
		waitFor(t, syncInterval+2*time.Second, func() error {
			if err := dryRunDeployment(ctx, dev, "team-a-staging"); !apierrors.IsForbidden(err) {
				return fmt.Errorf("dev creating a Deployment in team-a-staging: %v, want Forbidden", err)
			}
			var list appsv1.DeploymentList
			if err := viewer.List(ctx, &list, client.InNamespace("team-a-staging")); !apierrors.IsForbidden(err) {
				return fmt.Errorf("viewer listing team-a-staging: %v, want Forbidden", err)
			}
			var ns corev1.Namespace
			if err := edge.Client.Get(ctx, client.ObjectKey{Name: "team-a-staging"}, &ns); err != nil || len(ns.Labels[v1alpha1.ProjectLabel]) > 0 {
				return fmt.Errorf("team-a-staging labels %v (%v), want no project label", ns.Labels, err)
			}
			return nil
		})
	})

	t.Run("the hub refuses, with typed causes, what the rules forbid; nothing changes", func(t *testing.T) {
		before := spec(t, hub, "edge-1")
		bindings := projectBindings(t, edge)
		for _, tc := range []struct {
			args []string
			says []string
		}{
			{[]string{"edge-1", "add-namespace", "team-b", "team-a-dev"}, []string{
				"(rule Projects: projects: one project a namespace", "spec.projects[1].namespaces[1]", "namespace team-a-dev is in project team-a already"}},
			{[]string{"edge-1", "members", "System", "--add", "User:dev=project-member"}, []string{
				"(rule Projects:", "spec.projects[2].members[0].role", "User dev is not a cluster-owner", "rights in kube-system are cluster rights"}},
		} {
			out, errOut, err := run(t, projects.NewCmd, tc.args...)
			if err == nil {
				t.Errorf("%v admitted:\n%s", tc.args, out)
				continue
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v: error lacks %q:\n%v", tc.args, s, err)
				}
			}
			if out != "" || errOut != "" {
				t.Errorf("%v printed %q %q", tc.args, out, errOut)
			}
		}
		if after := spec(t, hub, "edge-1"); after.ResourceVersion != before.ResourceVersion {
			t.Errorf("a refused write changed the record")
		}
		time.Sleep(syncInterval) // a sync passes: the downstream stays as it was
		if after := projectBindings(t, edge); after != bindings {
			t.Errorf("project bindings changed:\n%s\nwant\n%s", after, bindings)
		}
	})

	t.Run("deleting the cluster removes every project binding and label the agent wrote", func(t *testing.T) {
		if out, errOut, err := run(t, deletecmd.NewCmd, "edge-1", "--timeout", "60s"); err != nil {
			t.Fatalf("delete: %v\n%s%s", err, out, errOut)
		}
		if exited, err := agent.Exited(20 * time.Second); !exited || err != nil {
			t.Errorf("agent exited=%v err=%v after the delete", exited, err)
		}
		if b := projectBindings(t, edge); b != "" {
			t.Errorf("project bindings left:\n%s", b)
		}
		var nss corev1.NamespaceList
		if err := edge.Client.List(ctx, &nss, client.HasLabels{v1alpha1.ProjectLabel}); err != nil {
			t.Fatal(err)
		}
		for _, ns := range nss.Items {
			if ns.Name != "team-a-feature" { // labelled by its creator: kept
				t.Errorf("namespace %s still labelled %v", ns.Name, ns.Labels)
			}
		}
		mustExist(t, edge.Client, deployment("team-a-dev", "web")) // what members made stays
	})
}

// throughTheHub is how a member really comes in: a hub user runs `kubectl import kubeconfig
// CLUSTER` with its own hub kubeconfig and uses what it prints, reaching the downstream through
// the hub's gateway with its own hub credentials; the agent's impersonator acts as the user
// there, so the downstream's RBAC (the project bindings) decides.
func throughTheHub(t *testing.T, hubKubeconfig, cluster string) (client.Client, error) {
	t.Helper()
	out, errOut, err := run(t, kubeconfig.NewCmd, cluster, "--hub-kubeconfig", hubKubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w\n%s", cluster, err, errOut)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("the printed kubeconfig: %w\n%s", err, out)
	}
	return client.New(cfg, client.Options{})
}

func deployment(namespace, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}},
	}
}

// dryRunDeployment asks the downstream to create a Deployment in namespace as c, without
// persisting it: authorization is checked as for a real create.
func dryRunDeployment(ctx context.Context, c client.Client, namespace string) error {
	return c.Create(ctx, deployment(namespace, "probe"), client.DryRunAll)
}

// waitFor polls f until it succeeds, failing after within; it returns how long it took.
func waitFor(t *testing.T, within time.Duration, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var last error
	for time.Since(start) < within {
		if last = f(); last == nil {
			return time.Since(start)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("not within %s: %v", within, last)
	return 0
}

// projectBindings lists the downstream's project RoleBindings, one line each.
func projectBindings(t *testing.T, c *testenv.Cluster) string {
	t.Helper()
	var list rbacv1.RoleBindingList
	if err := c.Client.List(context.Background(), &list, client.MatchingLabels{v1alpha1.ProjectMemberLabel: "true"}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, rb := range list.Items {
		fmt.Fprintf(&b, "%s/%s %s %v %s\n", rb.Namespace, rb.Name, rb.RoleRef.Name, rb.Subjects, rb.ResourceVersion)
	}
	return b.String()
}

func spec(t *testing.T, hub *testenv.Cluster, name string) *v1alpha1.ImportedCluster {
	t.Helper()
	var ic v1alpha1.ImportedCluster
	if err := hub.Client.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err != nil {
		t.Fatal(err)
	}
	return &ic
}

func mustExist(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Errorf("%T %s/%s: %v", obj, obj.GetNamespace(), obj.GetName(), err)
	}
}

func mustNotExist(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if !apierrors.IsNotFound(err) {
		t.Errorf("%T %s/%s exists (err %v), want none", obj, obj.GetNamespace(), obj.GetName(), err)
	}
}
