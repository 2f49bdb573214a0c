package initcmd

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

const consumerRole = "kimport-inventory-consumer"

// The inventory controller may write ClusterProfiles only in their namespace: a Role there,
// never a ClusterRole rule; --cluster-profile-namespace moves it, creates the namespace first
// and tells the in-cluster component.
func TestInventoryRBACIsNamespaced(t *testing.T) {
	o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	objs, err := o.manifests()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range objs {
		rules, _, _ := unstructured.NestedSlice(u.Object, "rules")
		for _, r := range rules {
			groups, _ := r.(map[string]any)["apiGroups"].([]any)
			if !slices.Contains(groups, any("multicluster.x-k8s.io")) || (u.GetKind() == "Role" && u.GetName() == inventoryRBAC) {
				continue
			}
			// The consumers' ClusterRole reads them, bound by no one init installs.
			verbs, _ := r.(map[string]any)["verbs"].([]any)
			if u.GetKind() == "ClusterRole" && u.GetName() == consumerRole && slices.Equal(verbs, []any{"get", "list", "watch"}) {
				continue
			}
			t.Errorf("%s %s grants ClusterProfile rights", u.GetKind(), u.GetName())
		}
	}
	for _, u := range objs {
		if name, _, _ := unstructured.NestedString(u.Object, "roleRef", "name"); name == consumerRole {
			t.Errorf("%s %s binds %s: consumers are bound by the hub admin", u.GetKind(), u.GetName(), consumerRole)
		}
	}
	for _, kind := range []string{"Role", "RoleBinding"} {
		if u := find(objs, kind, inventoryRBAC); u == nil || u.GetNamespace() != "kimport-system" {
			t.Errorf("%s %s: %v, want it in kimport-system by default", kind, inventoryRBAC, u)
		}
	}
	if args := controllerArgs(t, objs); slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--cluster-profile-namespace") }) {
		t.Errorf("default args %v name a profile namespace", args)
	}

	o.ProfileNamespace = "fleet"
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	objs, err = o.manifests()
	if err != nil {
		t.Fatal(err)
	}
	ns := slices.IndexFunc(objs, func(u *unstructured.Unstructured) bool { return u.GetKind() == "Namespace" && u.GetName() == "fleet" })
	role := slices.IndexFunc(objs, func(u *unstructured.Unstructured) bool { return u.GetKind() == "Role" && u.GetName() == inventoryRBAC })
	if ns < 0 || role < 0 || ns > role {
		t.Errorf("namespace fleet at %d, Role at %d: want the namespace applied first", ns, role)
	}
	for _, kind := range []string{"Role", "RoleBinding"} {
		if u := find(objs, kind, inventoryRBAC); u == nil || u.GetNamespace() != "fleet" {
			t.Errorf("%s %s not moved to fleet: %v", kind, inventoryRBAC, u)
		}
	}
	if args := controllerArgs(t, objs); !slices.Contains(args, "--cluster-profile-namespace=fleet") {
		t.Errorf("args %v lack --cluster-profile-namespace=fleet", args)
	}

	o.ProfileNamespace = "Fleet"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `invalid --cluster-profile-namespace "Fleet"`) {
		t.Errorf("Validate = %v", err)
	}
}

func controllerArgs(t *testing.T, objs []*unstructured.Unstructured) []string {
	t.Helper()
	d := find(objs, "Deployment", controllerName)
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	var args []string
	for _, a := range containers[0].(map[string]any)["args"].([]any) {
		args = append(args, a.(string))
	}
	return args
}
