package clustersync_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// projectsEnv is one downstream with the import's objects applied, synchronised as the
// import agent (its own token, its RBAC and fence), as agent and direct mode both do.
type projectsEnv struct {
	t     *testing.T
	admin client.Client
	ds    clustersync.Downstream
	ic    *v1alpha1.ImportedCluster
}

func newProjectsEnv(t *testing.T) *projectsEnv {
	ctx := context.Background()
	c := testenv.Start(t, testenv.Options{Name: "projects"})
	uid, err := importer.KubeSystemUID(ctx, c.Client)
	if err != nil {
		t.Fatal(err)
	}
	req := importer.Request{Name: "proj", ClusterID: uid, APIServer: c.Config.Host, HubID: "hub-id", HubServer: "https://hub.example:6443"}
	if _, err := importer.ApplyDownstream(ctx, c.Client, req, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, cfg := c.ServiceAccountToken(t, v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	ds, err := clustersync.Connect(cfg, c.Config.Host, "as the import agent", 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"a-prod", "a-dev", "b-prod", "elsewhere"} {
		if err := c.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "proj"}, Spec: v1alpha1.ImportedClusterSpec{ClusterID: uid}}
	return &projectsEnv{t: t, admin: c.Client, ds: ds, ic: ic}
}

// sync runs one sync and fails unless the downstream was reached.
func (e *projectsEnv) sync() {
	e.t.Helper()
	if !clustersync.Sync(context.Background(), e.ds, e.ic, record.NewFakeRecorder(100)) {
		e.t.Fatalf("sync did not reach the downstream: %+v", e.ic.Status.Conditions)
	}
}

func (e *projectsEnv) condition() metav1.Condition {
	for _, c := range e.ic.Status.Conditions {
		if c.Type == v1alpha1.ConditionProjectsAssigned {
			return c
		}
	}
	return metav1.Condition{}
}

// bindings are the project RoleBindings of the downstream as NAMESPACE ROLE KIND:NAME.
func (e *projectsEnv) bindings() []string {
	e.t.Helper()
	var list rbacv1.RoleBindingList
	if err := e.admin.List(context.Background(), &list, client.MatchingLabels{v1alpha1.ProjectMemberLabel: "true"}); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, b := range list.Items {
		for _, s := range b.Subjects {
			out = append(out, fmt.Sprintf("%s %s %s:%s", b.Namespace, b.RoleRef.Name, s.Kind, s.Name))
		}
	}
	slices.Sort(out)
	return out
}

// labels are the namespaces labelled with a project, as NAME=PROJECT, with + when marked.
func (e *projectsEnv) labels() []string {
	e.t.Helper()
	var list corev1.NamespaceList
	if err := e.admin.List(context.Background(), &list); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ns := range list.Items {
		p, ok := ns.Labels[v1alpha1.ProjectLabel]
		_, marked := ns.Labels[v1alpha1.ProjectAssignedLabel]
		switch {
		case ok && marked:
			out = append(out, ns.Name+"="+p+"+")
		case ok:
			out = append(out, ns.Name+"="+p)
		case marked:
			out = append(out, ns.Name+"+")
		}
	}
	slices.Sort(out)
	return out
}

func (e *projectsEnv) expect(what string, got, want []string) {
	e.t.Helper()
	if !slices.Equal(got, want) {
		e.t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func nsNames(names ...string) []v1alpha1.NamespaceName {
	out := make([]v1alpha1.NamespaceName, len(names))
	for i, n := range names {
		out[i] = v1alpha1.NamespaceName(n)
	}
	return out
}

// TestProjectsConverge: the sync keeps one RoleBinding per project member and namespace and
// the project labels, as the import agent, converging on every change: a namespace moved to
// another project, one moved out, one created later with the project label or listed before
// it existed; a member the rules refuse gets nothing and is named; a sync that changes
// nothing writes nothing; an agent whose rights predate projects keeps working until a
// project has members, then says how to fix it; the disconnect removes everything the sync
// wrote and nothing it did not.
func TestProjectsConverge(t *testing.T) {
	e := newProjectsEnv(t)
	ctx := context.Background()
	dev := v1alpha1.ProjectMember{Kind: v1alpha1.MemberUser, Name: "dev", Role: v1alpha1.RoleProjectMember}
	viewers := v1alpha1.ProjectMember{Kind: v1alpha1.MemberGroup, Name: "viewers", Role: v1alpha1.RoleReadOnly}
	bob := v1alpha1.ProjectMember{Kind: v1alpha1.MemberUser, Name: "bob", Role: v1alpha1.RoleProjectOwner}
	auditors := v1alpha1.ProjectMember{Kind: v1alpha1.MemberGroup, Name: "auditors", Role: v1alpha1.RoleReadOnly}
	e.ic.Spec.Projects = []v1alpha1.ProjectSpec{
		{Name: "team-a", Namespaces: nsNames("a-prod", "a-dev"), Members: []v1alpha1.ProjectMember{dev, viewers}},
		{Name: "team-b", Namespaces: nsNames("b-prod"), Members: []v1alpha1.ProjectMember{bob}},
		{Name: "System", Members: []v1alpha1.ProjectMember{auditors}},
	}

	e.sync()
	if c := e.condition(); c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "8 project RoleBinding(s)") {
		t.Fatalf("ProjectsAssigned = %+v", c)
	}
	e.expect("bindings", e.bindings(), []string{
		"a-dev edit User:dev", "a-dev view Group:viewers", "a-prod edit User:dev", "a-prod view Group:viewers",
		"b-prod admin User:bob", "cattle-system view Group:auditors", "kube-public view Group:auditors", "kube-system view Group:auditors"})
	e.expect("labels", e.labels(), []string{"a-dev=team-a+", "a-prod=team-a+", "b-prod=team-b+", "cattle-system=system", "default=default",
		"kube-public=system", "kube-system=system"})
	wantProjects := []v1alpha1.Project{{Name: "Default", Namespaces: []string{"default"}},
		{Name: "System", Namespaces: []string{"cattle-system", "kube-public", "kube-system"}},
		{Name: "team-a", Namespaces: []string{"a-dev", "a-prod"}}, {Name: "team-b", Namespaces: []string{"b-prod"}}}
	if fmt.Sprint(e.ic.Status.Projects) != fmt.Sprint(wantProjects) {
		t.Errorf("status.projects = %+v\nwant %+v", e.ic.Status.Projects, wantProjects)
	}

	t.Run("a sync that changes nothing writes nothing", func(t *testing.T) {
		before := e.versions()
		e.sync()
		if after := e.versions(); !maps.Equal(before, after) {
			t.Errorf("resource versions changed:\n%v\n%v", before, after)
		}
	})

	t.Run("a namespace moved to another project", func(t *testing.T) {
		e.ic.Spec.Projects[0].Namespaces = nsNames("a-prod")
		e.ic.Spec.Projects[1].Namespaces = nsNames("b-prod", "a-dev")
		e.sync()
		e.expect("bindings in a-dev", filter(e.bindings(), "a-dev "), []string{"a-dev admin User:bob"})
		e.expect("labels", filter(e.labels(), "a-"), []string{"a-dev=team-b+", "a-prod=team-a+"})
	})

	t.Run("a namespace moved out of every project", func(t *testing.T) {
		e.ic.Spec.Projects[1].Namespaces = nsNames("b-prod")
		e.sync()
		e.expect("bindings in a-dev", filter(e.bindings(), "a-dev "), nil)
		e.expect("labels", filter(e.labels(), "a-"), []string{"a-prod=team-a+"})
	})

	t.Run("a namespace created later with the project label joins at the next sync", func(t *testing.T) {
		joined := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a-new", Labels: map[string]string{v1alpha1.ProjectLabel: "team-a"}}}
		if err := e.admin.Create(ctx, joined); err != nil {
			t.Fatal(err)
		}
		e.sync()
		e.expect("bindings in a-new", filter(e.bindings(), "a-new "), []string{"a-new edit User:dev", "a-new view Group:viewers"})
		e.expect("label of a-new (not marked: its creator labelled it)", filter(e.labels(), "a-new"), []string{"a-new=team-a"})
		if !slices.Contains(e.ic.Status.Projects[2].Namespaces, "a-new") {
			t.Errorf("status.projects[2] = %+v, want a-new in it", e.ic.Status.Projects[2])
		}
		// Its creator takes it out again: the bindings go, the sync writes no label.
		joined.Labels = nil
		if err := e.admin.Update(ctx, joined); err != nil {
			t.Fatal(err)
		}
		e.sync()
		e.expect("bindings in a-new", filter(e.bindings(), "a-new "), nil)
		e.expect("label of a-new", filter(e.labels(), "a-new"), nil)
	})

	t.Run("a namespace listed before it exists is covered once created", func(t *testing.T) {
		e.ic.Spec.Projects[0].Namespaces = nsNames("a-prod", "a-later")
		e.sync()
		e.expect("bindings in a-later", filter(e.bindings(), "a-later "), nil)
		if err := e.admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a-later"}}); err != nil {
			t.Fatal(err)
		}
		e.sync()
		e.expect("bindings in a-later", filter(e.bindings(), "a-later "), []string{"a-later edit User:dev", "a-later view Group:viewers"})
	})

	t.Run("a member the rules refuse is not bound and is named", func(t *testing.T) {
		e.ic.Spec.Projects[2].Members = []v1alpha1.ProjectMember{auditors, {Kind: v1alpha1.MemberUser, Name: "mallory", Role: v1alpha1.RoleProjectOwner}}
		e.ic.Spec.Projects[0].Members = []v1alpha1.ProjectMember{dev, viewers, {Kind: v1alpha1.MemberGroup, Name: "system:authenticated", Role: v1alpha1.RoleReadOnly}}
		e.sync()
		c := e.condition()
		if c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, `project team-a member Group "system:authenticated" is not bound`) ||
			!strings.Contains(c.Message, `project System member User "mallory" is not bound: User mallory is not a cluster-owner`) {
			t.Errorf("ProjectsAssigned = %+v", c)
		}
		for _, b := range e.bindings() {
			if strings.Contains(b, "mallory") || strings.Contains(b, "system:authenticated") {
				t.Errorf("binding %s made", b)
			}
		}
		e.ic.Spec.Projects[0].Members = []v1alpha1.ProjectMember{dev, viewers}
		e.ic.Spec.Projects[2].Members = []v1alpha1.ProjectMember{auditors}
		e.sync()
		if c := e.condition(); c.Status != metav1.ConditionTrue {
			t.Errorf("ProjectsAssigned = %+v after the refused members went", c)
		}
	})

	t.Run("an agent whose rights predate projects", func(t *testing.T) {
		var cr rbacv1.ClusterRole
		if err := e.admin.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &cr); err != nil {
			t.Fatal(err)
		}
		full := slices.Clone(cr.Rules)
		cr.Rules = slices.DeleteFunc(cr.Rules, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.Resources, "rolebindings") })
		if err := e.admin.Update(ctx, &cr); err != nil {
			t.Fatal(err)
		}
		projects := e.ic.Spec.Projects
		// No project members: nothing to bind, and the cluster stays as it was.
		e.ic.Spec.Projects = nil
		eventuallySynced(t, e, func() bool { return e.condition().Status == metav1.ConditionTrue })
		// Members: it cannot bind them, and says what to do.
		e.ic.Spec.Projects = projects
		eventuallySynced(t, e, func() bool {
			return e.condition().Status == metav1.ConditionFalse && strings.Contains(e.condition().Message, "re-run the import (kubectl import cluster proj, or join)")
		})
		cr.Rules = full
		if err := e.admin.Update(ctx, &cr); err != nil {
			t.Fatal(err)
		}
		eventuallySynced(t, e, func() bool { return e.condition().Status == metav1.ConditionTrue })
	})

	t.Run("disconnect removes what the sync wrote, and only that", func(t *testing.T) {
		byHand := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "labelled-by-hand", Labels: map[string]string{v1alpha1.ProjectLabel: "team-z"}}}
		if err := e.admin.Create(ctx, byHand); err != nil {
			t.Fatal(err)
		}
		if err := clustersync.Clean(ctx, e.ds, e.ic, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		e.expect("bindings", e.bindings(), nil)
		e.expect("labels", e.labels(), []string{"labelled-by-hand=team-z"})
	})
}

// eventuallySynced syncs until done, for RBAC changes the API server's authorizer sees a
// moment later.
func eventuallySynced(t *testing.T, e *projectsEnv, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		e.sync()
		if done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ProjectsAssigned = %+v", e.condition())
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// versions are the resource versions of the project RoleBindings and of every namespace.
func (e *projectsEnv) versions() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	var rbs rbacv1.RoleBindingList
	var nss corev1.NamespaceList
	if err := e.admin.List(context.Background(), &rbs, client.MatchingLabels(agent.ProjectBindingLabels("proj"))); err != nil {
		e.t.Fatal(err)
	}
	if err := e.admin.List(context.Background(), &nss); err != nil {
		e.t.Fatal(err)
	}
	for _, b := range rbs.Items {
		out["rb "+b.Namespace+"/"+b.Name] = b.ResourceVersion
	}
	for _, ns := range nss.Items {
		out["ns "+ns.Name] = ns.ResourceVersion
	}
	return out
}

func filter(items []string, prefix string) []string {
	var out []string
	for _, s := range items {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
