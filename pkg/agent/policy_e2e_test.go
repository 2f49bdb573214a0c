package agent_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
)

const cluster = "fenced"

// fenced is one downstream with the agent objects applied, the system-upgrade-controller
// installed (as an admin would), and clients acting as the admin and as the agent.
type fenced struct {
	t     *testing.T
	admin client.Client
	as    kubernetes.Interface // the agent
	dyn   dynamic.Interface    // the agent
	// adminConfig is the cluster admin's.
	adminConfig *rest.Config
	// running is the K3s version every node runs; req the import that was applied.
	running string
	req     importer.Request
}

// TestFence applies the agent objects to a real downstream and checks, as the agent, that the
// fence refuses what the agent's RBAC alone would allow (and that nothing happened), and lets
// through everything the hub really does; at each of testenv.DownstreamVersions, since the
// fence's CEL must work on the oldest supported downstream as on the newest.
func TestFence(t *testing.T) {
	for _, version := range testenv.DownstreamVersions() {
		t.Run("downstream at "+version, func(t *testing.T) { testFence(t, version) })
	}
}

func testFence(t *testing.T, version string) {
	ctx := context.Background()
	c := testenv.Start(t, testenv.Options{Name: "fence", PlanCRD: true, InventoryCRDs: true, Version: version})
	uid, err := importer.KubeSystemUID(ctx, c.Client)
	if err != nil {
		t.Fatal(err)
	}
	// A K3s cluster with 3 embedded-etcd servers and 2 agents: what the import counts and
	// the upgrade rules compare plans against.
	running := testenv.K3sVersion(version)
	if err := testenv.CreateK3sNodes(ctx, c.Client, 3, 2, running); err != nil {
		t.Fatal(err)
	}
	req := importer.Request{Name: cluster, ClusterID: uid, APIServer: c.Config.Host, HubID: "hub-id", HubServer: "https://hub.example:6443"}
	if _, err := importer.ApplyDownstream(ctx, c.Client, req, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: v1alpha1.AgentUser,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.AgentNamespace, "system:authenticated"}}
	f := &fenced{t: t, admin: c.Client, adminConfig: c.Config, as: kubernetes.NewForConfigOrDie(cfg), dyn: dynamic.NewForConfigOrDie(cfg),
		running: running, req: req}

	// What an admin installs and what the agent must leave alone.
	objs := []client.Object{k3s.NewControllerConfigMap(cluster)}
	for _, obj := range k3s.ControllerObjects(cluster, k3s.DefaultControllerImage) {
		objs = append(objs, obj)
	}
	objs = append(objs,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "someone-admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "victim", Labels: map[string]string{"team": "a"},
			Annotations: map[string]string{"note": "x"}, Finalizers: []string{"example.com/keep"}}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bystander", Namespace: v1alpha1.AgentNamespace, Labels: map[string]string{"app": "bystander"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}},
	)
	for _, obj := range objs {
		if err := c.Client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
	}
	f.waitActive()

	t.Run("object names", func(t *testing.T) {
		names := importer.DownstreamObjectNames(nil, v1alpha1.ModeAgent)
		for _, want := range []string{"validatingadmissionpolicy.admissionregistration.k8s.io/" + agent.PolicyName,
			"validatingadmissionpolicybinding.admissionregistration.k8s.io/" + agent.PolicyName} {
			if !slices.Contains(names, want) {
				t.Errorf("DownstreamObjectNames %q lacks %q", names, want)
			}
		}
		dry, err := importer.DryRunObjects(req, true)
		if err != nil {
			t.Fatal(err)
		}
		last := dry[len(dry)-3] // the binding, before the ImportedCluster and its Secret
		if last.GetKind() != "ValidatingAdmissionPolicyBinding" || len(last.GetOwnerReferences()) != 1 {
			t.Errorf("dry run: %s %s owners %v, want the binding owned by the agent ClusterRole", last.GetKind(), last.GetName(), last.GetOwnerReferences())
		}
	})

	t.Run("clusterrolebindings", f.clusterRoleBindings)
	t.Run("namespaces", f.namespaces)
	t.Run("configmaps", f.configMaps)
	t.Run("deployment and pods", f.controller)
	t.Run("plans", f.plans)
	t.Run("upgrade rules: no downgrade, quorum-safe server concurrency", f.upgradeRules)
	t.Run("hub secret", f.hubSecret)
	t.Run("leases", f.leases)
	t.Run("clusterproperties", f.clusterProperties)
	t.Run("the gateway's impersonator", f.impersonator)

	t.Run("others are not fenced", func(t *testing.T) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: v1alpha1.AgentNamespace}}
		if err := c.Client.Create(ctx, cm); err != nil {
			t.Errorf("the admin creating configmap other: %v", err)
		}
	})

	// Last: the agent's last act removes the fence with the rest.
	t.Run("disconnect removes the fence", func(t *testing.T) {
		background := metav1.DeletePropagationBackground
		if err := f.as.RbacV1().ClusterRoles().Delete(ctx, v1alpha1.AgentClusterRole, metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
			t.Fatalf("the agent deleting its ClusterRole: %v", err)
		}
		for _, obj := range []client.Object{&admissionregistrationv1.ValidatingAdmissionPolicy{}, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}} {
			err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
				err := c.Client.Get(ctx, client.ObjectKey{Name: agent.PolicyName}, obj)
				return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
			})
			if err != nil {
				t.Errorf("%T %s not garbage-collected: %v", obj, agent.PolicyName, err)
			}
		}
	})
}

// waitActive waits until the fence refuses a dry-run request of the agent (policies are
// loaded asynchronously after they are created).
func (f *fenced) waitActive() {
	f.t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: v1alpha1.AgentNamespace}}
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, last = f.as.CoreV1().ConfigMaps(v1alpha1.AgentNamespace).Create(ctx, cm, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return isFence(last), nil
	})
	if err != nil {
		f.t.Fatalf("the fence never refused the probe (last answer: %v)", last)
	}
}

func isFence(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "kimport-agent fence")
}

// refused asserts the fence refused what.
func refused(t *testing.T, what string, err error) {
	t.Helper()
	if !isFence(err) {
		t.Errorf("%s: got %v, want a refusal by the fence", what, err)
		return
	}
	t.Logf("%s: refused: %v", what, err)
}

func allowed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func absent(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if !apierrors.IsNotFound(err) {
		t.Errorf("%T %s exists (err %v) although it was refused", obj, obj.GetName(), err)
	}
}

func mergePatch(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func memberLabels() map[string]string {
	l := v1alpha1.ImportLabels(cluster)
	l[v1alpha1.MemberLabel] = "true"
	return l
}

func crb(name string, labels map[string]string, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}}
}

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func (f *fenced) clusterRoleBindings(t *testing.T) {
	ctx := context.Background()
	crbs := f.as.RbacV1().ClusterRoleBindings()
	for _, tc := range []struct {
		what string
		b    *rbacv1.ClusterRoleBinding
	}{
		{"binding evil to cluster-admin", crb("evil", v1alpha1.ImportLabels(cluster), "cluster-admin", user("mallory"))},
		{"kimport-member-x without the labels", crb("kimport-member-x", nil, "view", user("mallory"))},
		{"kimport-member-y binding Group system:authenticated", crb("kimport-member-y", memberLabels(), "cluster-admin", group("system:authenticated"))},
		{"kimport-member-z binding the agent itself", crb("kimport-member-z", memberLabels(), "cluster-admin", user(v1alpha1.AgentUser))},
		{"kimport-member-s binding the agent's ServiceAccount", crb("kimport-member-s", memberLabels(), "cluster-admin",
			rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentServiceAccount})},
		{"kimport-member-k binding User system:kube-controller-manager", crb("kimport-member-k", memberLabels(), "cluster-admin", user("system:kube-controller-manager"))},
	} {
		_, err := crbs.Create(ctx, tc.b, metav1.CreateOptions{})
		refused(t, "creating "+tc.what, err)
		absent(t, f.admin, tc.b)
	}
	// A role the agent may not bind: RBAC refuses it before the fence is asked.
	if _, err := crbs.Create(ctx, crb("kimport-member-a", memberLabels(), "admin", user("mallory")), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("binding ClusterRole admin: got %v, want Forbidden", err)
	}

	// An existing binding that is not a member's: adding itself to it, or deleting it.
	someone, err := crbs.Get(ctx, "someone-admin", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := someone.DeepCopy()
	changed.Subjects = append(changed.Subjects, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentServiceAccount})
	_, err = crbs.Update(ctx, changed, metav1.UpdateOptions{})
	refused(t, "adding itself to ClusterRoleBinding someone-admin", err)
	refused(t, "deleting ClusterRoleBinding someone-admin", crbs.Delete(ctx, "someone-admin", metav1.DeleteOptions{}))
	if now, err := crbs.Get(ctx, "someone-admin", metav1.GetOptions{}); err != nil || len(now.Subjects) != 1 {
		t.Errorf("someone-admin changed: %+v (err %v)", now, err)
	}

	// What the reconciler does (pkg/controller/members.go): create, update, delete.
	for _, m := range []v1alpha1.Member{
		{Kind: v1alpha1.MemberUser, Name: "alice@example.com", Role: v1alpha1.RoleOwner},
		{Kind: v1alpha1.MemberGroup, Name: "devs", Role: v1alpha1.RoleMember},
		{Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:ci:deployer", Role: v1alpha1.RoleMember},
	} {
		b := agent.MemberBinding(cluster, m)
		got, err := crbs.Create(ctx, b, metav1.CreateOptions{})
		allowed(t, "creating member binding "+b.Name, err)
		if err != nil {
			continue
		}
		got.Annotations["note"] = "drift repaired"
		_, err = crbs.Update(ctx, got, metav1.UpdateOptions{})
		allowed(t, "updating member binding "+b.Name, err)
		allowed(t, "deleting member binding "+b.Name, crbs.Delete(ctx, b.Name, metav1.DeleteOptions{}))
	}
}

func (f *fenced) namespaces(t *testing.T) {
	ctx := context.Background()
	nss := f.as.CoreV1().Namespaces()
	before, err := nss.Get(ctx, "victim", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	patch := func(p any) error {
		t.Helper()
		_, err := nss.Patch(ctx, "victim", types.MergePatchType, mergePatch(t, p), metav1.PatchOptions{})
		return err
	}
	meta := func(m map[string]any) map[string]any { return map[string]any{"metadata": m} }
	refused(t, "changing label team", patch(meta(map[string]any{"labels": map[string]any{"team": "b"}})))
	refused(t, "adding label pod-security.kubernetes.io/enforce", patch(meta(map[string]any{"labels": map[string]any{"pod-security.kubernetes.io/enforce": "privileged"}})))
	refused(t, "removing label team", patch(meta(map[string]any{"labels": map[string]any{"team": nil}})))
	refused(t, "changing an annotation", patch(meta(map[string]any{"annotations": map[string]any{"note": "y"}})))
	refused(t, "removing a finalizer", patch(meta(map[string]any{"finalizers": nil})))
	refused(t, "adding an owner (its ClusterRole: a disconnect would delete the namespace)", patch(meta(map[string]any{"ownerReferences": []any{
		map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "name": v1alpha1.AgentClusterRole, "uid": "0b1c2d3e-0000-0000-0000-000000000000"}}})))
	refused(t, "changing label team with the project label", patch(meta(map[string]any{"labels": map[string]any{"team": "b", v1alpha1.ProjectLabel: "p1"}})))
	after, err := nss.Get(ctx, "victim", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(after.Labels, before.Labels) || !maps.Equal(after.Annotations, before.Annotations) ||
		!slices.Equal(after.Finalizers, before.Finalizers) || len(after.OwnerReferences) != 0 {
		t.Errorf("namespace victim changed: labels %v annotations %v finalizers %v owners %v", after.Labels, after.Annotations, after.Finalizers, after.OwnerReferences)
	}
	_, err = nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "made-by-agent"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("creating a namespace: got %v, want Forbidden (RBAC)", err)
	}

	// What the reconciler does (pkg/controller/projects.go): set, then remove, the project label.
	for _, ns := range []string{"victim", metav1.NamespaceDefault} {
		value := "p1"
		allowed(t, "setting the project label of "+ns, patchNS(ctx, nss, ns, map[string]*string{v1alpha1.ProjectLabel: &value}))
		got, _ := nss.Get(ctx, ns, metav1.GetOptions{})
		if got.Labels[v1alpha1.ProjectLabel] != "p1" {
			t.Errorf("namespace %s labels %v, want %s=p1", ns, got.Labels, v1alpha1.ProjectLabel)
		}
		allowed(t, "removing the project label of "+ns, patchNS(ctx, nss, ns, map[string]*string{v1alpha1.ProjectLabel: nil}))
	}
	after, _ = nss.Get(ctx, "victim", metav1.GetOptions{})
	if !maps.Equal(after.Labels, before.Labels) {
		t.Errorf("namespace victim labels %v, want %v", after.Labels, before.Labels)
	}
}

func patchNS(ctx context.Context, nss interface {
	Patch(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) (*corev1.Namespace, error)
}, name string, labels map[string]*string) error {
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels}})
	_, err := nss.Patch(ctx, name, types.MergePatchType, b, metav1.PatchOptions{})
	return err
}

func (f *fenced) configMaps(t *testing.T) {
	ctx := context.Background()
	cms := f.as.CoreV1().ConfigMaps(v1alpha1.AgentNamespace)
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other-by-agent", Namespace: v1alpha1.AgentNamespace}}
	_, err := cms.Create(ctx, other, metav1.CreateOptions{})
	refused(t, "creating configmap other-by-agent", err)
	absent(t, f.admin, other)

	data := func(kv map[string]any) []byte { return mergePatch(t, map[string]any{"data": kv}) }
	_, err = cms.Patch(ctx, v1alpha1.MarkerConfigMap, types.MergePatchType, data(map[string]any{v1alpha1.MarkerHubID: "another-hub"}), metav1.PatchOptions{})
	refused(t, "changing the marker's hubID", err)
	refused(t, "deleting the marker", cms.Delete(ctx, v1alpha1.MarkerConfigMap, metav1.DeleteOptions{}))
	_, err = cms.Patch(ctx, v1alpha1.UpgradeControllerConfigMap, types.MergePatchType, data(map[string]any{"SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE": "evil/kubectl"}), metav1.PatchOptions{})
	refused(t, "changing the controller's kubectl image", err)
	_, err = cms.Patch(ctx, v1alpha1.UpgradeControllerConfigMap, types.MergePatchType, data(map[string]any{v1alpha1.UpgradeControllerDebug: "maybe"}), metav1.PatchOptions{})
	refused(t, "setting the debug key to maybe", err)
	refused(t, "deleting the controller's configmap", cms.Delete(ctx, v1alpha1.UpgradeControllerConfigMap, metav1.DeleteOptions{}))

	marker, err := cms.Get(ctx, v1alpha1.MarkerConfigMap, metav1.GetOptions{})
	if err != nil || marker.Data[v1alpha1.MarkerHubID] != "hub-id" {
		t.Errorf("marker changed: %v (err %v)", marker.Data, err)
	}
	ctl, err := cms.Get(ctx, v1alpha1.UpgradeControllerConfigMap, metav1.GetOptions{})
	if err != nil || !maps.Equal(ctl.Data, k3s.ControllerDefaults()) {
		t.Errorf("controller configmap changed: %v (err %v)", ctl.Data, err)
	}

	// What the reconciler (pkg/controller/marker.go) and `upgrader debug` do.
	_, err = cms.Patch(ctx, v1alpha1.MarkerConfigMap, types.MergePatchType, data(map[string]any{v1alpha1.MarkerHubPhase: "Active"}), metav1.PatchOptions{})
	allowed(t, "writing the marker's hubPhase", err)
	d, err := k3sops.ControllerDeployment(ctx, f.as)
	if err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		_, changed, err := k3sops.SetDebug(ctx, f.as, d, on)
		allowed(t, "upgrader debug", err)
		if err == nil && !changed {
			t.Errorf("SetDebug(%t) changed nothing", on)
		}
	}
}

func (f *fenced) controller(t *testing.T) {
	ctx := context.Background()
	deployments := f.as.AppsV1().Deployments(v1alpha1.AgentNamespace)
	patch := mergePatch(t, map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": v1alpha1.UpgradeControllerContainer, "image": "evil/controller"}}}}}})
	_, err := deployments.Patch(ctx, v1alpha1.UpgradeController, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	refused(t, "changing the controller's image", err)
	other := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "miner", Namespace: v1alpha1.AgentNamespace},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "miner"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "miner"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "evil/miner"}}}}}}
	_, err = deployments.Create(ctx, other, metav1.CreateOptions{})
	refused(t, "creating deployment miner", err)
	absent(t, f.admin, other)
	d, err := k3sops.ControllerDeployment(ctx, f.as)
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != k3s.DefaultControllerImage {
		t.Errorf("controller image %s, want %s", img, k3s.DefaultControllerImage)
	}

	refused(t, "deleting pod bystander", f.as.CoreV1().Pods(v1alpha1.AgentNamespace).Delete(ctx, "bystander", metav1.DeleteOptions{}))
	if err := f.admin.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: "bystander"}, &corev1.Pod{}); err != nil {
		t.Errorf("pod bystander: %v", err)
	}

	// What `upgrader restart` does: delete the controller's pods (kube-controller-manager's
	// ReplicaSet controller makes them; no scheduler, so they stay Pending).
	var pods []corev1.Pod
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err = k3sops.ControllerPods(ctx, f.as, d)
		return len(pods) > 0, err
	})
	if err != nil {
		t.Fatalf("the controller's ReplicaSet made no pod: %v", err)
	}
	deleted, err := k3sops.RestartController(ctx, f.as, d)
	allowed(t, "upgrader restart", err)
	if len(deleted) == 0 {
		t.Errorf("upgrader restart deleted no pod")
	}
}

func (f *fenced) plans(t *testing.T) {
	ctx := context.Background()
	plans := f.dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace)
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: cluster},
		Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: "v1.37.2+k3s1",
			UpgradeStrategy: v1alpha1.UpgradeStrategy{DrainWorkerNodes: true}}}}
	desired := k3s.DesiredPlans(ic)
	bad := func(name string, change func(spec map[string]any)) *unstructured.Unstructured {
		p := desired[0].DeepCopy()
		p.SetName(name)
		change(p.Object["spec"].(map[string]any))
		return p
	}
	for _, tc := range []struct {
		what string
		p    *unstructured.Unstructured
	}{
		{"plan evil-plan", bad("evil-plan", func(map[string]any) {})},
		{"k3s-master-plan with image evil/k3s-upgrade", bad(v1alpha1.MasterPlan, func(s map[string]any) { s["upgrade"] = map[string]any{"image": "evil/k3s-upgrade"} })},
		{"k3s-master-plan with an upgrade command", bad(v1alpha1.MasterPlan, func(s map[string]any) {
			s["upgrade"] = map[string]any{"image": v1alpha1.K3sUpgradeImage, "command": []any{"sh", "-c", "id"}}
		})},
		{"k3s-master-plan mounting secrets", bad(v1alpha1.MasterPlan, func(s map[string]any) {
			s["secrets"] = []any{map[string]any{"name": "node-credentials", "path": "/host/tmp"}}
		})},
		{"k3s-master-plan run as another ServiceAccount", bad(v1alpha1.MasterPlan, func(s map[string]any) { s["serviceAccountName"] = v1alpha1.AgentServiceAccount })},
	} {
		_, err := plans.Create(ctx, tc.p, metav1.CreateOptions{})
		refused(t, "creating "+tc.what, err)
		if _, err := plans.Get(ctx, tc.p.GetName(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("plan %s exists (err %v)", tc.p.GetName(), err)
		}
	}

	// What the reconciler does (pkg/controller/upgrade.go): create, then update in place.
	allowed(t, "applying the plans", k3sops.ApplyPlans(ctx, f.dyn, ic))
	ic.Spec.K3s.Version = "v1.37.3+k3s1"
	allowed(t, "updating the plans", k3sops.ApplyPlans(ctx, f.dyn, ic))
	for _, name := range []string{v1alpha1.MasterPlan, v1alpha1.WorkerPlan} {
		p, err := plans.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("plan %s: %v", name, err)
			continue
		}
		if v, _, _ := unstructured.NestedString(p.Object, "spec", "version"); v != "v1.37.3+k3s1" {
			t.Errorf("plan %s version %q, want v1.37.3+k3s1", name, v)
		}
	}

	worker, err := plans.Get(ctx, v1alpha1.WorkerPlan, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(worker.Object, "evil/k3s-upgrade:v1", "spec", "prepare", "image"); err != nil {
		t.Fatal(err)
	}
	_, err = plans.Update(ctx, worker, metav1.UpdateOptions{})
	refused(t, "changing the worker plan's prepare image", err)
	worker, _ = plans.Get(ctx, v1alpha1.WorkerPlan, metav1.GetOptions{})
	if img, _, _ := unstructured.NestedString(worker.Object, "spec", "prepare", "image"); img != v1alpha1.K3sUpgradeImage+":v1.37.3-k3s1" {
		t.Errorf("worker plan prepare image %q", img)
	}
}

// hubSecret: agent mode's hub credential. The agent renews data.token and changes nothing
// else; RBAC keeps it from every other Secret. The values are stand-ins, not tokens.
func (f *fenced) hubSecret(t *testing.T) {
	ctx := context.Background()
	hub := agent.HubSecret(cluster, "https://hub.example:6443", []byte("ca-pem"), "sha256:0123", "token-0")
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bystander", Namespace: v1alpha1.AgentNamespace}, Data: map[string][]byte{"k": []byte("v")}}
	for _, obj := range []client.Object{hub, other} {
		if err := f.admin.Create(ctx, obj); err != nil {
			t.Fatalf("creating secret %s: %v", obj.GetName(), err)
		}
	}
	secrets := f.as.CoreV1().Secrets(v1alpha1.AgentNamespace)
	patch := func(name string, p any) error {
		t.Helper()
		_, err := secrets.Patch(ctx, name, types.MergePatchType, mergePatch(t, p), metav1.PatchOptions{})
		return err
	}
	data := func(kv map[string]any) map[string]any { return map[string]any{"data": kv} }
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	meta := func(m map[string]any) map[string]any { return map[string]any{"metadata": m} }

	refused(t, "changing the hub's server", patch(v1alpha1.AgentHubSecret, data(map[string]any{v1alpha1.AgentHubKeyServer: b64("https://evil.example:6443")})))
	refused(t, "changing the hub's CA", patch(v1alpha1.AgentHubSecret, data(map[string]any{v1alpha1.AgentHubKeyCA: b64("evil-pem")})))
	refused(t, "changing the token and the CA checksum", patch(v1alpha1.AgentHubSecret,
		data(map[string]any{v1alpha1.AgentHubKeyToken: b64("token-1"), v1alpha1.AgentHubKeyCAChecksum: b64("sha256:bad")})))
	refused(t, "removing the cluster key", patch(v1alpha1.AgentHubSecret, data(map[string]any{v1alpha1.AgentHubKeyCluster: nil})))
	refused(t, "adding a key", patch(v1alpha1.AgentHubSecret, data(map[string]any{"extra": b64("x")})))
	refused(t, "changing a label", patch(v1alpha1.AgentHubSecret, meta(map[string]any{"labels": map[string]any{v1alpha1.ClusterLabel: "other"}})))
	refused(t, "adding an annotation", patch(v1alpha1.AgentHubSecret, meta(map[string]any{"annotations": map[string]any{"note": "x"}})))
	refused(t, "making it immutable", patch(v1alpha1.AgentHubSecret, map[string]any{"immutable": true}))
	if err := secrets.Delete(ctx, v1alpha1.AgentHubSecret, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("deleting the hub secret: got %v, want Forbidden", err)
	}
	// Another Secret: RBAC names the hub Secret alone, so it refuses before the fence is asked.
	if err := patch(other.Name, data(map[string]any{"k": b64("w")})); !apierrors.IsForbidden(err) {
		t.Errorf("changing secret bystander: got %v, want Forbidden", err)
	}
	if _, err := secrets.Get(ctx, other.Name, metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("reading secret bystander: got %v, want Forbidden", err)
	}
	if _, err := secrets.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "by-agent", Namespace: v1alpha1.AgentNamespace}}, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("creating a secret: got %v, want Forbidden", err)
	}
	var got corev1.Secret
	if err := f.admin.Get(ctx, client.ObjectKeyFromObject(hub), &got); err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(got.Data, hub.Data, slices.Equal) || !maps.Equal(got.Labels, hub.Labels) || len(got.Annotations) != 0 {
		t.Errorf("the hub secret changed (keys %v, labels %v)", slices.Sorted(maps.Keys(got.Data)), got.Labels)
	}

	// What the agent does: renew its token, by patch and by update.
	allowed(t, "renewing the token (patch)", patch(v1alpha1.AgentHubSecret, data(map[string]any{v1alpha1.AgentHubKeyToken: b64("token-1")})))
	cur, err := secrets.Get(ctx, v1alpha1.AgentHubSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Data[v1alpha1.AgentHubKeyToken] = []byte("token-2")
	_, err = secrets.Update(ctx, cur, metav1.UpdateOptions{})
	allowed(t, "renewing the token (update)", err)
	if err := f.admin.Get(ctx, client.ObjectKeyFromObject(hub), &got); err != nil {
		t.Fatal(err)
	}
	if string(got.Data[v1alpha1.AgentHubKeyToken]) != "token-2" || string(got.Data[v1alpha1.AgentHubKeyServer]) != "https://hub.example:6443" {
		t.Error("the renewed token was not stored, or the server changed")
	}
}

// leases: the agent elects its leader with the Lease v1alpha1.AgentLeaderElection and writes no other.
func (f *fenced) leases(t *testing.T) {
	ctx := context.Background()
	leases := f.as.CoordinationV1().Leases(v1alpha1.AgentNamespace)
	lease := func(name string) *coordinationv1.Lease {
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: v1alpha1.AgentNamespace},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("agent-0")}}
	}
	other := lease("other-leader")
	_, err := leases.Create(ctx, other, metav1.CreateOptions{})
	refused(t, "creating lease other-leader", err)
	absent(t, f.admin, other)
	if _, err := f.as.CoordinationV1().Leases(metav1.NamespaceDefault).Create(ctx, lease("elsewhere"), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("creating a lease in default: got %v, want Forbidden", err)
	}
	// An existing Lease of someone else: RBAC names the agent's own alone.
	theirs := lease("someone-elses")
	if err := f.admin.Create(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	theirs.Spec.HolderIdentity = ptr.To("agent-0")
	if _, err := leases.Update(ctx, theirs, metav1.UpdateOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("updating lease someone-elses: got %v, want Forbidden", err)
	}

	// What leader election does: create, then renew.
	own, err := leases.Create(ctx, lease(v1alpha1.AgentLeaderElection), metav1.CreateOptions{})
	allowed(t, "creating lease "+v1alpha1.AgentLeaderElection, err)
	if err != nil {
		return
	}
	own.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
	_, err = leases.Update(ctx, own, metav1.UpdateOptions{})
	allowed(t, "renewing lease "+v1alpha1.AgentLeaderElection, err)
	_, err = f.as.CoreV1().Events(v1alpha1.AgentNamespace).Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: "kimport-agent-", Namespace: v1alpha1.AgentNamespace},
		InvolvedObject: corev1.ObjectReference{Kind: "Lease", Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentLeaderElection},
		Reason:         "LeaderElection", Message: "agent-0 became leader", Type: corev1.EventTypeNormal,
	}, metav1.CreateOptions{})
	allowed(t, "recording the leader election event", err)
}

// clusterProperties: the agent writes the About API's two ClusterProperties, labelled as the
// import's, and no other; one another manager wrote stays as it is.
func (f *fenced) clusterProperties(t *testing.T) {
	ctx := context.Background()
	props := f.dyn.Resource(v1alpha1.ClusterPropertyGVR)
	prop := func(name, value string, labels map[string]string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "about.k8s.io/v1alpha1", "kind": "ClusterProperty",
			"metadata": map[string]any{"name": name}, "spec": map[string]any{"value": value}}}
		u.SetLabels(labels)
		return u
	}
	ours := v1alpha1.ImportLabels(cluster)
	_, err := props.Create(ctx, prop("other.example.com", "x", ours), metav1.CreateOptions{})
	refused(t, "creating clusterproperty other.example.com", err)
	_, err = props.Create(ctx, prop(v1alpha1.ClusterIDProperty, "id", nil), metav1.CreateOptions{})
	refused(t, "creating an unlabelled "+v1alpha1.ClusterIDProperty, err)

	own, err := props.Create(ctx, prop(v1alpha1.ClusterIDProperty, "id", ours), metav1.CreateOptions{})
	allowed(t, "creating "+v1alpha1.ClusterIDProperty, err)
	if err == nil {
		_ = unstructured.SetNestedField(own.Object, "id-2", "spec", "value")
		_, err = props.Update(ctx, own, metav1.UpdateOptions{})
		allowed(t, "updating "+v1alpha1.ClusterIDProperty, err)
		allowed(t, "deleting "+v1alpha1.ClusterIDProperty, props.Delete(ctx, v1alpha1.ClusterIDProperty, metav1.DeleteOptions{}))
	}

	// Another manager's clusterset.k8s.io.
	admin := dynamic.NewForConfigOrDie(f.adminConfig)
	theirs, err := admin.Resource(v1alpha1.ClusterPropertyGVR).Create(ctx, prop(v1alpha1.ClusterSetProperty, "their-set", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	theirs.SetLabels(ours)
	_, err = props.Update(ctx, theirs, metav1.UpdateOptions{})
	refused(t, "taking over another manager's "+v1alpha1.ClusterSetProperty, err)
	refused(t, "deleting another manager's "+v1alpha1.ClusterSetProperty, props.Delete(ctx, v1alpha1.ClusterSetProperty, metav1.DeleteOptions{}))
}
