package projects

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/projects"
)

// TestProjectOwnersThroughTheHub: a project-owner who is a hub user with no hub rights at all
// lists its project, adds a namespace and a project-member to it with the plugin's verbs (which
// go through the hub's gateway, the hub component writing the change); the agent binds the new
// member within one sync and the member works there through the hub. Refused, each changing
// nothing in the hub's record: the owner changing another project, adding another project's
// namespace or kube-system, touching System; a project-member and a non-member changing the
// project; a crafted body that touches the cluster's members or another field; and the hub
// component's own identity changing spec.members directly (rule HubSpec).
func TestProjectOwnersThroughTheHub(t *testing.T) {
	hub, edge, hubServer, _ := importEdge(t)
	ctx := context.Background()
	for _, ns := range []string{"team-a-dev", "team-b-prod", "team-a-staging"} {
		if err := edge.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"edge-1", "create", "team-a", "--namespace", "team-a-dev", "--member", "User:lead=project-owner", "--member", "User:dev=project-member"},
		{"edge-1", "create", "team-b", "--namespace", "team-b-prod", "--member", "User:other=project-owner"},
	} {
		if out, errOut, err := run(t, projects.NewCmd, args...); err != nil {
			t.Fatalf("projects %v: %v\n%s%s", args, err, out, errOut)
		}
	}
	// Hub users with no hub rights: the owner, a project-member, a non-member, and the member
	// the owner adds.
	leadCfg, leadHub := hub.AddUser(t, "lead", []string{"team-a-leads"})
	_, devHub := hub.AddUser(t, "dev", nil)
	_, eveHub := hub.AddUser(t, "eve", nil)
	_, newbieHub := hub.AddUser(t, "newbie", nil)
	as := func(hubKubeconfig string, args ...string) (string, string, error) {
		t.Helper()
		return run(t, projects.NewCmd, append(args, "--hub-kubeconfig", hubKubeconfig)...)
	}

	t.Run("the owner has no hub rights on the record", func(t *testing.T) {
		c, err := client.New(leadCfg, client.Options{Scheme: hub.Client.Scheme()})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Get(ctx, client.ObjectKey{Name: "edge-1"}, &v1alpha1.ImportedCluster{}); !apierrors.IsForbidden(err) {
			t.Fatalf("lead reading importedcluster edge-1: %v, want Forbidden", err)
		}
	})

	t.Run("the owner lists its project through the hub", func(t *testing.T) {
		out, _, err := as(leadHub, "edge-1")
		if err != nil || !strings.Contains(out, "team-a ") || strings.Contains(out, "team-b") || !strings.Contains(out, "User:lead=project-owner") {
			t.Fatalf("lead's projects: %v\n%s", err, out)
		}
	})

	t.Run("the owner's dry runs change nothing", func(t *testing.T) {
		before := spec(t, hub, "edge-1")
		out, _, err := as(leadHub, "edge-1", "add-namespace", "team-a", "team-a-staging", "--dry-run=client", "-o", "yaml")
		if err != nil || !strings.Contains(out, "- team-a-staging") || !strings.Contains(out, "name: edge-1") {
			t.Fatalf("--dry-run=client -o yaml: %v\n%s", err, out)
		}
		out, _, err = as(leadHub, "edge-1", "add-namespace", "team-a", "team-a-staging", "--dry-run=server")
		if err != nil || out != "importedcluster.kimport.dev/edge-1 configured (server dry run)\n" {
			t.Fatalf("--dry-run=server: %v\n%q", err, out)
		}
		if after := spec(t, hub, "edge-1"); after.ResourceVersion != before.ResourceVersion {
			t.Fatal("a dry run changed the record")
		}
	})

	t.Run("the owner adds a namespace and a member; the member works there within one sync", func(t *testing.T) {
		if out, errOut, err := as(leadHub, "edge-1", "add-namespace", "team-a", "team-a-staging"); err != nil || out != "importedcluster.kimport.dev/edge-1 configured\n" {
			t.Fatalf("add-namespace: %v\n%s%s", err, out, errOut)
		}
		if out, errOut, err := as(leadHub, "edge-1", "members", "team-a", "--add", "User:newbie=project-member"); err != nil || out != "importedcluster.kimport.dev/edge-1 configured\n" {
			t.Fatalf("members --add: %v\n%s%s", err, out, errOut)
		}
		if out, _, err := as(leadHub, "edge-1", "members", "team-a", "--add", "User:newbie=project-member"); err != nil || out != "importedcluster.kimport.dev/edge-1 unchanged\n" {
			t.Fatalf("members --add again: %v\n%s", err, out)
		}
		ic := spec(t, hub, "edge-1")
		if got := ic.Annotations[v1alpha1.ProjectChangeAnnotation]; !strings.Contains(got, `"user":"lead"`) || !strings.Contains(got, `"project":"team-a"`) {
			t.Errorf("annotation %s = %q, want it to name lead and team-a", v1alpha1.ProjectChangeAnnotation, got)
		}
		managers := map[string]bool{}
		for _, m := range ic.ManagedFields {
			managers[m.Manager] = true
		}
		if !managers["kimport-gateway-projects"] {
			t.Errorf("field managers %v lack kimport-gateway-projects", managers)
		}
		var newbie client.Client
		took := waitFor(t, 30*time.Second, func() error {
			var err error
			if newbie == nil {
				if newbie, err = throughTheHub(t, newbieHub, "edge-1"); err != nil {
					return err
				}
			}
			if err := dryRunDeployment(ctx, newbie, "team-a-staging"); err != nil {
				return err
			}
			return dryRunDeployment(ctx, newbie, "team-a-dev")
		})
		t.Logf("newbie works in team-a-staging and team-a-dev through the hub %s after the owner's change", took)
		if err := dryRunDeployment(ctx, newbie, "team-b-prod"); !apierrors.IsForbidden(err) {
			t.Errorf("newbie in team-b-prod: %v, want Forbidden", err)
		}
	})

	t.Run("refused, changing nothing", func(t *testing.T) {
		for _, tc := range []struct {
			who  string
			kc   string
			args []string
			says []string
		}{
			{"the owner, another project", leadHub, []string{"edge-1", "add-namespace", "team-b", "team-b-new"},
				[]string{"User lead is not a project-owner of project team-b of cluster edge-1", "kubectl import projects edge-1 members team-b --add User:lead=project-owner"}},
			{"the owner, another project's namespace", leadHub, []string{"edge-1", "add-namespace", "team-a", "team-b-prod"},
				[]string{"(rule Projects:", `spec.projects[1].namespaces[0]: Duplicate value: "team-b-prod"`}},
			{"the owner, kube-system", leadHub, []string{"edge-1", "add-namespace", "team-a", "kube-system"},
				[]string{"(rule Projects:", "namespace kube-system always belongs to project System"}},
			{"the owner, a project-member of System", leadHub, []string{"edge-1", "members", "System", "--add", "User:newbie=project-member"},
				[]string{"User lead is not a project-owner of project System"}},
			{"a project-member", devHub, []string{"edge-1", "add-namespace", "team-a", "team-a-more"},
				[]string{"User dev is not a project-owner of project team-a"}},
			{"a non-member", eveHub, []string{"edge-1", "members", "team-a", "--add", "User:eve=project-owner"},
				[]string{"User eve is not a project-owner of project team-a"}},
			{"a non-member listing", eveHub, []string{"edge-1"}, []string{"User eve is a member of no project of cluster edge-1"}},
		} {
			before := spec(t, hub, "edge-1")
			out, _, err := as(tc.kc, tc.args...)
			if err == nil {
				t.Errorf("%s: %v admitted:\n%s", tc.who, tc.args, out)
				continue
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%s: %v: error lacks %q:\n%v", tc.who, tc.args, s, err)
				}
			}
			unchanged(t, hub, before)
		}
	})

	t.Run("a crafted body touching anything but the project's namespaces and members is refused whole", func(t *testing.T) {
		cs, err := kubernetes.NewForConfig(leadCfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{
			`{"addNamespaces":["team-a-x"],"members":[{"kind":"User","name":"lead","role":"cluster-owner"}]}`,
			`{"addNamespaces":["team-a-x"],"spec":{"apiServer":"https://elsewhere:6443"}}`,
			`{"addMembers":[{"kind":"User","name":"lead","role":"project-owner","extra":1}]}`,
			`{"addNamespaces":["team-a-x"]}{"removeNamespaces":["team-a-dev"]}`,
			`{"kind":"ImportedCluster","apiVersion":"kimport.dev/v1alpha1","addNamespaces":["team-a-x"]}`,
		} {
			before := spec(t, hub, "edge-1")
			err := cs.Discovery().RESTClient().Post().AbsPath(gatewayapi.ProjectPath("edge-1", "team-a")).
				SetHeader("Content-Type", "application/json").Body([]byte(body)).Do(ctx).Error()
			if !apierrors.IsBadRequest(err) {
				t.Errorf("body %s: %v, want BadRequest", body, err)
			}
			unchanged(t, hub, before)
		}
		// A project the owner owns, through another cluster's path: the cluster does not exist.
		err = cs.Discovery().RESTClient().Post().AbsPath(gatewayapi.ProjectPath("edge-2", "team-a")).
			SetHeader("Content-Type", "application/json").Body([]byte(`{"addNamespaces":["x"]}`)).Do(ctx).Error()
		if !apierrors.IsForbidden(err) {
			t.Errorf("a cluster that does not exist: %v, want Forbidden", err)
		}
	})

	t.Run("the hub component's identity cannot change spec.members (rule HubSpec)", func(t *testing.T) {
		before := spec(t, hub, "edge-1")
		ic := before.DeepCopy()
		ic.Spec.Members = append(ic.Spec.Members, v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "lead", Role: v1alpha1.RoleOwner})
		err := hubServer.Client.Update(ctx, ic)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "spec.members") || !strings.Contains(err.Error(), "may not change it") {
			t.Fatalf("the hub component adding a cluster-owner: %v, want Forbidden by HubSpec", err)
		}
		ic = before.DeepCopy()
		ic.Spec.Projects = append(ic.Spec.Projects, v1alpha1.ProjectSpec{Name: "hubs-own"})
		if err := hubServer.Client.Update(ctx, ic); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "may not create, delete, rename or reorder projects") {
			t.Fatalf("the hub component creating a project: %v, want Forbidden by HubSpec", err)
		}
		unchanged(t, hub, before)
	})
}

// unchanged fails t when edge-1's record is not as before (resourceVersion and spec).
func unchanged(t *testing.T, hub *testenv.Cluster, before *v1alpha1.ImportedCluster) {
	t.Helper()
	after := spec(t, hub, before.Name)
	if after.ResourceVersion != before.ResourceVersion || !equality.Semantic.DeepEqual(after.Spec, before.Spec) {
		t.Errorf("a refused request changed the record: resourceVersion %s → %s, spec %+v → %+v", before.ResourceVersion, after.ResourceVersion, before.Spec, after.Spec)
	}
}
