package agent_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/deploy"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

func TestHubIdentity(t *testing.T) {
	objs := agent.HubIdentity("edge")
	name, ns := "kimport-agent-edge", v1alpha1.HubNamespace
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, typeName(o))
		if o.GetLabels()[v1alpha1.ClusterLabel] != "edge" || o.GetLabels()[v1alpha1.ManagedByLabel] != v1alpha1.ManagedByValue {
			t.Errorf("%T %s labels %v", o, o.GetName(), o.GetLabels())
		}
	}
	// The ClusterRole first: it owns the rest once applied.
	if want := []string{"ClusterRole", "ServiceAccount", "ClusterRoleBinding", "Role", "RoleBinding", "Lease", "Secret", "Secret"}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	key := func(o client.Object) string { return o.GetNamespace() + "/" + o.GetName() }
	for i, want := range []string{"/" + name, ns + "/" + name, "/" + name, ns + "/" + name, ns + "/" + name, ns + "/cluster-edge",
		ns + "/kimport-agent-edge-bootstrap", ns + "/kimport-agent-edge-session"} {
		if got := key(objs[i]); got != want {
			t.Errorf("%s: %s, want %s", kinds[i], got, want)
		}
	}

	subject := rbacv1.Subject{Kind: "ServiceAccount", Name: name, Namespace: ns}
	crb, rb := objs[2].(*rbacv1.ClusterRoleBinding), objs[4].(*rbacv1.RoleBinding)
	if !slices.Equal(crb.Subjects, []rbacv1.Subject{subject}) || crb.RoleRef.Kind != "ClusterRole" || crb.RoleRef.Name != name {
		t.Errorf("ClusterRoleBinding %+v", crb)
	}
	if !slices.Equal(rb.Subjects, []rbacv1.Subject{subject}) || rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != name {
		t.Errorf("RoleBinding %+v", rb)
	}

	rule := func(group, resource string, names []string, verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, ResourceNames: names, Verbs: verbs}
	}
	wantCluster := []rbacv1.PolicyRule{
		rule("kimport.dev", "importedclusters", []string{"edge"}, "get", "list", "watch"),
		rule("kimport.dev", "importedclusters/status", []string{"edge"}, "get", "update", "patch"),
		rule("gateway.kimport.dev", "clusters/attach", []string{"edge"}, "get"),
	}
	wantNS := []rbacv1.PolicyRule{
		rule("coordination.k8s.io", "leases", []string{"cluster-edge"}, "get", "update", "patch"),
		rule("", "serviceaccounts/token", []string{name}, "create"),
		rule("", "secrets", []string{"kimport-agent-edge-bootstrap"}, "delete"),
	}
	cr, role := objs[0].(*rbacv1.ClusterRole), objs[3].(*rbacv1.Role)
	if !equality.Semantic.DeepEqual(cr.Rules, wantCluster) {
		t.Errorf("ClusterRole rules %+v", cr.Rules)
	}
	if !equality.Semantic.DeepEqual(role.Rules, wantNS) {
		t.Errorf("Role rules %+v", role.Rules)
	}
	for _, r := range append(cr.Rules, role.Rules...) {
		noWildcard(t, r)
		if len(r.ResourceNames) != 1 {
			t.Errorf("rule %+v is not restricted to one name", r)
		}
	}

	lease := objs[5].(*coordinationv1.Lease)
	if lease.Labels[v1alpha1.HeartbeatLabel] != "true" || *lease.Spec.HolderIdentity != v1alpha1.AgentUsername("edge") ||
		*lease.Spec.LeaseDurationSeconds != 60 || lease.Spec.RenewTime != nil {
		t.Errorf("Lease %+v", lease)
	}
	for _, o := range objs[6:] {
		if s := o.(*corev1.Secret); s.Type != corev1.SecretTypeOpaque || len(s.Data) != 0 || len(s.StringData) != 0 {
			t.Errorf("Secret %s holds something: %+v", s.Name, s)
		}
	}
	// Labels are not shared between objects.
	objs[0].GetLabels()["x"] = "y"
	if _, shared := objs[1].GetLabels()["x"]; shared {
		t.Error("objects share one labels map")
	}
}

func typeName(o any) string {
	switch o.(type) {
	case *corev1.ServiceAccount:
		return "ServiceAccount"
	case *rbacv1.ClusterRole:
		return "ClusterRole"
	case *rbacv1.ClusterRoleBinding:
		return "ClusterRoleBinding"
	case *rbacv1.Role:
		return "Role"
	case *rbacv1.RoleBinding:
		return "RoleBinding"
	case *coordinationv1.Lease:
		return "Lease"
	case *corev1.Secret:
		return "Secret"
	}
	return "?"
}

func noWildcard(t *testing.T, r rbacv1.PolicyRule) {
	t.Helper()
	for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames, r.NonResourceURLs} {
		for _, s := range list {
			if strings.Contains(s, "*") {
				t.Errorf("rule %+v has a wildcard", r)
			}
		}
	}
}

func TestDownstreamRulesHaveNoWildcard(t *testing.T) {
	for _, r := range append(agent.ClusterRules(), agent.NamespaceRules()...) {
		noWildcard(t, r)
	}
	// The rights agent mode adds, each by name but leases create (RBAC cannot restrict a
	// create by name; the fence does).
	want := map[string][]string{"secrets": {v1alpha1.AgentHubSecret}, "leases": {v1alpha1.AgentLeaderElection}}
	for _, r := range agent.NamespaceRules() {
		for _, res := range r.Resources {
			names, ok := want[res]
			if !ok {
				continue
			}
			if slices.Contains(r.Verbs, "create") {
				if res != "leases" || len(r.ResourceNames) != 0 || !slices.Equal(r.Verbs, []string{"create"}) {
					t.Errorf("create rule %+v", r)
				}
				continue
			}
			if !slices.Equal(r.ResourceNames, names) || !slices.Equal(r.Verbs, []string{"get", "update", "patch"}) {
				t.Errorf("rule %+v, want get, update, patch of %v", r, names)
			}
			delete(want, res)
		}
	}
	if len(want) > 0 {
		t.Errorf("no rule for %v", want)
	}
}

func TestBootstrapTokenRequest(t *testing.T) {
	tr := agent.BootstrapTokenRequest("edge", agent.BootstrapLifetime, types.UID("00000000-0000-4000-8000-000000000001"))
	want := authenticationv1.TokenRequestSpec{ExpirationSeconds: tr.Spec.ExpirationSeconds,
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: "kimport-agent-edge-bootstrap", UID: "00000000-0000-4000-8000-000000000001"}}
	if !equality.Semantic.DeepEqual(tr.Spec, want) || *tr.Spec.ExpirationSeconds != int64(time.Hour/time.Second) || len(tr.Spec.Audiences) != 0 {
		t.Errorf("spec %+v", tr.Spec)
	}
}

func TestSessionTokenRequest(t *testing.T) {
	tr := agent.SessionTokenRequest("edge", 30*time.Minute)
	want := authenticationv1.TokenRequestSpec{ExpirationSeconds: tr.Spec.ExpirationSeconds,
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: "kimport-agent-edge-session"}}
	if !equality.Semantic.DeepEqual(tr.Spec, want) || *tr.Spec.ExpirationSeconds != 1800 || len(tr.Spec.Audiences) != 0 {
		t.Errorf("spec %+v", tr.Spec)
	}
}

// The hub's token policy and the lifetimes the plugin and the agent ask for agree.
func TestTokenPolicyCapsAtMaxTokenLifetime(t *testing.T) {
	b, err := deploy.FS.ReadFile("base/token-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	limit := fmt.Sprintf("object.spec.expirationSeconds <= %d", int64(agent.MaxTokenLifetime/time.Second))
	if !strings.Contains(string(b), limit) {
		t.Errorf("deploy/base/token-policy.yaml lacks %q", limit)
	}
	for _, d := range []time.Duration{agent.BootstrapLifetime, agent.HubTokenLifetime} {
		if d > agent.MaxTokenLifetime {
			t.Errorf("lifetime %s above the policy's %s", d, agent.MaxTokenLifetime)
		}
	}
}

func TestHubSecret(t *testing.T) {
	s := agent.HubSecret("edge", "https://hub.example:6443", []byte("PEM"), "sha256:abc", "tok")
	if s.Name != v1alpha1.AgentHubSecret || s.Namespace != v1alpha1.AgentNamespace || s.Type != corev1.SecretTypeOpaque || s.Labels[v1alpha1.ClusterLabel] != "edge" {
		t.Errorf("meta %+v type %s", s.ObjectMeta, s.Type)
	}
	want := map[string]string{"server": "https://hub.example:6443", "ca.crt": "PEM", "caChecksum": "sha256:abc", "cluster": "edge", "token": "tok"}
	if len(s.Data) != len(want) {
		t.Errorf("keys %d, want %d", len(s.Data), len(want))
	}
	for k, v := range want {
		if string(s.Data[k]) != v {
			t.Errorf("data[%s] is not what was given", k) // no token in output
		}
	}
}

func TestDeployment(t *testing.T) {
	d := agent.Deployment(agent.DeploymentOptions{Cluster: "edge", Image: agent.DefaultImage("v1.2.3"), CAChecksum: "sha256:abc"})
	if d.Name != "kimport-agent" || d.Namespace != "cattle-system" || *d.Spec.Replicas != 1 {
		t.Errorf("meta %s/%s replicas %d", d.Namespace, d.Name, *d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if pod.ServiceAccountName != v1alpha1.AgentServiceAccount || c.Image != "ghcr.io/kubectl-import/webhook:v1.2.3" ||
		!slices.Equal(c.Command, []string{"/kimport-agent"}) ||
		!slices.Equal(c.Args, []string{"--leader-elect", "--ca-checksum=sha256:abc"}) {
		t.Errorf("pod %+v", pod)
	}
	sc := c.SecurityContext
	if !*sc.RunAsNonRoot || *sc.RunAsUser != 65532 || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("security context %+v", sc)
	}
	if c.Resources.Requests.Cpu().String() != "20m" || c.Resources.Requests.Memory().String() != "32Mi" ||
		c.Resources.Limits.Memory().String() != "128Mi" || c.Resources.Limits.Cpu().String() != "0" {
		t.Errorf("resources %+v", c.Resources)
	}
	if !equality.Semantic.DeepEqual(pod.Tolerations, agent.DefaultTolerations()) || len(pod.Tolerations) != 4 {
		t.Errorf("tolerations %+v", pod.Tolerations)
	}
	if !labelsSelect(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("selector %v does not select %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}

	env := []corev1.EnvVar{{Name: "HTTPS_PROXY", Value: "http://p:3128"}}
	d = agent.Deployment(agent.DeploymentOptions{Cluster: "edge", Image: "img", Env: env, Tolerations: []corev1.Toleration{}, Replicas: 2})
	c = d.Spec.Template.Spec.Containers[0]
	if *d.Spec.Replicas != 2 || !slices.Equal(c.Env, env) || len(d.Spec.Template.Spec.Tolerations) != 0 ||
		!slices.Equal(c.Args, []string{"--leader-elect"}) {
		t.Errorf("replicas %d env %v tolerations %v args %v", *d.Spec.Replicas, c.Env, d.Spec.Template.Spec.Tolerations, c.Args)
	}
}

func labelsSelect(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

// The agent image comes from the hub component's repository: no other registry.
func TestDefaultImageIsTheHubRepository(t *testing.T) {
	if v1alpha1.ImageRepository != initcmd.ImageRepository {
		t.Errorf("v1alpha1.ImageRepository %s, initcmd.ImageRepository %s", v1alpha1.ImageRepository, initcmd.ImageRepository)
	}
	b, err := deploy.FS.ReadFile("base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "image: "+v1alpha1.ImageRepository+":") {
		t.Errorf("deploy/base/deployment.yaml has no image from %s", v1alpha1.ImageRepository)
	}
}

func TestParseTolerations(t *testing.T) {
	got, err := agent.ParseTolerations([]string{"dedicated=infra:NoSchedule", "node-role.kubernetes.io/control-plane:NoExecute", "k=:PreferNoSchedule"})
	want := []corev1.Toleration{
		{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "infra", Effect: corev1.TaintEffectNoSchedule},
		{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: "k", Operator: corev1.TolerationOpEqual, Value: "", Effect: corev1.TaintEffectPreferNoSchedule},
	}
	if err != nil || !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("ParseTolerations = %+v, %v", got, err)
	}
	if got, err := agent.ParseTolerations(nil); err != nil || got != nil {
		t.Errorf("ParseTolerations(nil) = %v, %v: want nil (the defaults)", got, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"dedicated=infra", `invalid --agent-tolerations "dedicated=infra": want KEY[=VALUE]:EFFECT`},
		{"dedicated:NoRun", `the effect "NoRun" must be NoSchedule, PreferNoSchedule or NoExecute`},
		{"dedicated=infra:", `the effect "" must be`},
		{":NoSchedule", `the key ""`},
		{"bad key:NoSchedule", `the key "bad key"`},
		{"k=bad value:NoSchedule", `the value "bad value"`},
	} {
		_, err := agent.ParseTolerations([]string{tc.in})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "e.g. --agent-tolerations") {
			t.Errorf("ParseTolerations(%q) = %v, want %q and an example", tc.in, err, tc.want)
		}
	}
}
