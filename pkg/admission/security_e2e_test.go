package admission_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

const (
	everyoneRefused = `spec.members[0].name: Invalid value: "system:authenticated": Group system:authenticated stands for every authenticated identity of the downstream: ` +
		`giving it cluster-owner makes everyone cluster-admin; name the users or groups that need access`
	// The CRD's CEL rule (pkg/apis/v1alpha1/types.go).
	credentialsCEL = `spec.credentialsSecretRef.name must be the ImportedCluster's name followed by -credentials (prod-credentials for prod): ` +
		`the hub deletes that Secret with the cluster, so it may name no other Secret`
	webhookTLS = "kimport-webhook-tls"
)

// withMembers is manifest's YAML with spec.members, each KIND:NAME=ROLE.
func withMembers(yaml string, members ...string) string {
	if len(members) == 0 {
		return yaml
	}
	yaml += "  members:\n"
	for _, m := range members {
		kind, rest, _ := strings.Cut(m, ":")
		i := strings.LastIndex(rest, "=")
		yaml += "  - kind: " + kind + "\n    name: " + rest[:i] + "\n    role: " + rest[i+1:] + "\n"
	}
	return yaml
}

// credentialsRef is manifest's YAML with spec.credentialsSecretRef.name replaced by secret.
func credentialsRef(name, clusterID, secret string) string {
	return strings.Replace(manifest(name, clusterID, nil, ""), "name: "+name+"-credentials", "name: "+secret, 1)
}

func membersOf(t *testing.T, c client.Client, name string) []v1alpha1.Member {
	t.Helper()
	var ic v1alpha1.ImportedCluster
	if err := c.Get(context.Background(), client.ObjectKey{Name: name}, &ic); err != nil {
		t.Fatal(err)
	}
	return ic.Spec.Members
}

func mustNotExist(t *testing.T, c client.Client, name string) {
	t.Helper()
	err := c.Get(context.Background(), client.ObjectKey{Name: name}, &v1alpha1.ImportedCluster{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("importedcluster %s: %v, want NotFound", name, err)
	}
}

// TestMembersThroughTheWebhook: the hub refuses a member that stands for everyone or for the
// system, at create and at update, and accepts one ServiceAccount.
func TestMembersThroughTheWebhook(t *testing.T) {
	e := start(t, false)
	apply := func(yaml string) (string, error) { return e.kubectl(t, yaml, "apply", "-f", "-") }
	alice := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "alice@example.com", Role: v1alpha1.RoleOwner}

	t.Run("everyone as cluster-owner is refused at create", func(t *testing.T) {
		out, err := apply(withMembers(manifest("open", "00000000-0000-4000-8000-0000000000e0", nil, ""), "Group:system:authenticated=cluster-owner"))
		if err == nil {
			t.Fatalf("admitted:\n%s", out)
		}
		mustContain(t, "kubectl apply", out, kubectlInvalid, everyoneRefused)
		mustNotExist(t, e.hub.Client, "open")
	})

	if out, err := apply(withMembers(manifest("prod", "00000000-0000-4000-8000-0000000000d0", nil, ""), "User:alice@example.com=cluster-owner")); err != nil {
		t.Fatalf("apply prod: %v\n%s", err, out)
	}
	patch := func(member string) (string, error) {
		return e.kubectl(t, "", "patch", "importedcluster", "prod", "--type=json", "-p", `[{"op":"add","path":"/spec/members/-","value":`+member+`}]`)
	}

	t.Run("adding system:masters is refused, the stored members stay", func(t *testing.T) {
		out, err := patch(`{"kind":"Group","name":"system:masters","role":"cluster-owner"}`)
		if err == nil {
			t.Fatalf("admitted:\n%s", out)
		}
		mustContain(t, "kubectl patch", out, kubectlInvalid, `spec.members[1].name: Invalid value: "system:masters": Group system:masters is the downstream's superuser group, `+
			`whose members bypass authorization: a role for it grants nothing, and whoever can join it owns the cluster already; name the users or groups that need access`)
		if got := membersOf(t, e.hub.Client, "prod"); !slices.Equal(got, []v1alpha1.Member{alice}) {
			t.Errorf("members = %+v, want only %+v", got, alice)
		}
	})

	t.Run("one ServiceAccount is accepted", func(t *testing.T) {
		if out, err := patch(`{"kind":"User","name":"system:serviceaccount:ci:deployer","role":"cluster-owner"}`); err != nil {
			t.Fatalf("refused: %v\n%s", err, out)
		}
		deployer := v1alpha1.Member{Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:ci:deployer", Role: v1alpha1.RoleOwner}
		if got := membersOf(t, e.hub.Client, "prod"); !slices.Equal(got, []v1alpha1.Member{alice, deployer}) {
			t.Errorf("members = %+v", got)
		}
	})
}

// TestCredentialsSecretRefThroughTheHub: an ImportedCluster may name no Secret but its own
// credentials: the CRD refuses any other, with the webhook running or not, and so does the
// webhook. The CRD's rule cannot tell a stored value from a new one (a rule on the whole
// object is not ratcheted), so a record stored before it existed takes no change until its
// credentials are fixed; then it can be edited and deleted.
func TestCredentialsSecretRefThroughTheHub(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	apply := func(yaml string) (string, error) { return e.kubectl(t, yaml, "apply", "-f", "-") }
	refused := func(t *testing.T, what string, wants ...string) {
		t.Helper()
		out, err := apply(credentialsRef("prod", "00000000-0000-4000-8000-0000000000d0", webhookTLS))
		if err == nil {
			t.Fatalf("%s: admitted:\n%s", what, out)
		}
		mustContain(t, what, out, wants...)
		out, err = apply(credentialsRef("thief", "00000000-0000-4000-8000-0000000000ff", webhookTLS))
		if err == nil {
			t.Fatalf("%s: admitted:\n%s", what, out)
		}
		mustContain(t, what, out, wants...)
		mustNotExist(t, e.hub.Client, "thief")
		var prod v1alpha1.ImportedCluster
		if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: "prod"}, &prod); err != nil || prod.Spec.CredentialsSecretRef.Name != "prod-credentials" {
			t.Errorf("%s: prod's credentialsSecretRef = %q (%v)", what, prod.Spec.CredentialsSecretRef.Name, err)
		}
	}
	if out, err := apply(manifest("prod", "00000000-0000-4000-8000-0000000000d0", nil, "")); err != nil {
		t.Fatalf("apply prod: %v\n%s", err, out)
	}

	t.Run("the CRD refuses at create and update", func(t *testing.T) {
		refused(t, "CRD rule", credentialsCEL)
	})
	e.server.Stop(t)
	t.Run("the CRD refuses with the webhook stopped", func(t *testing.T) {
		refused(t, "CRD rule, webhook stopped", credentialsCEL)
	})
	e.server.Start(t) // on the test's t: a subtest's would stop it when the subtest ends

	crd := setCredentialsRule(t, e, nil) // the hub as before the CEL rule existed
	t.Run("the webhook refuses at create and update", func(t *testing.T) {
		refused(t, "webhook", kubectlInvalid, `spec.credentialsSecretRef.name: Invalid value: "kimport-webhook-tls": must be "`)
		out, _ := apply(credentialsRef("thief", "00000000-0000-4000-8000-0000000000ff", webhookTLS))
		mustContain(t, "webhook", out, `must be "thief-credentials", the ImportedCluster's name followed by -credentials: `+
			`the hub deletes this Secret with the cluster, so it may name no other Secret; set it to "thief-credentials"`)
	})

	// Stored while neither rule existed: no CEL rule, the webhook not called.
	ignoreWebhook(t, e, true)
	stored := withMembers(credentialsRef("stored", "00000000-0000-4000-8000-00000000005d", webhookTLS), "Group:system:authenticated=cluster-owner")
	if out, err := apply(stored); err != nil {
		t.Fatalf("storing a record as before the rules: %v\n%s", err, out)
	}
	ignoreWebhook(t, e, false)
	setCredentialsRule(t, e, crd)

	t.Run("a record stored before the rules is refused every change but fixing its credentials", func(t *testing.T) {
		out, err := e.kubectl(t, "", "patch", "importedcluster", "stored", "--type=merge", "-p", `{"spec":{"displayName":"Stored"}}`)
		if err == nil {
			t.Fatalf("edit admitted:\n%s", out)
		}
		mustContain(t, "kubectl patch", out, credentialsCEL)
		out, err = e.kubectl(t, "", "patch", "importedcluster", "stored", "--type=merge", "-p", `{"spec":{"credentialsSecretRef":{"name":"prod-credentials"}}}`)
		if err == nil {
			t.Fatalf("re-pointed at another cluster's credentials:\n%s", out)
		}
		mustContain(t, "kubectl patch", out, credentialsCEL)
		// The fix is admitted; the stored member is only warned about.
		out, err = e.kubectl(t, "", "patch", "importedcluster", "stored", "--type=merge", "-p",
			`{"spec":{"credentialsSecretRef":{"name":"stored-credentials"}},"metadata":{"finalizers":["kimport.dev/cleanup"]}}`)
		if err != nil {
			t.Fatalf("fix refused: %v\n%s", err, out)
		}
		mustContain(t, "kubectl patch", out, "Warning: "+everyoneRefused+" (already stored before this update, so allowed; please fix it)", "patched")
		out, err = e.kubectl(t, "", "patch", "importedcluster", "stored", "--type=json", "-p", `[{"op":"replace","path":"/spec/members/0/role","value":"cluster-member"}]`)
		if err == nil {
			t.Fatalf("changed the role of Group system:authenticated:\n%s", out)
		}
		mustContain(t, "kubectl patch", out, kubectlInvalid, `spec.members[0].name: Invalid value: "system:authenticated": Group system:authenticated stands for every authenticated identity of the downstream: giving it cluster-member`)
	})
	t.Run("once fixed, a record stored before the rules can be deleted", func(t *testing.T) {
		if out, err := e.kubectl(t, "", "delete", "importedcluster", "stored", "--wait=false"); err != nil {
			t.Fatalf("delete: %v\n%s", err, out)
		}
		// What the reconciler does once it has cleaned up, as the hub component (rule
		// HubMetadata keeps anyone else from cutting the cleanup short).
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "stored"}}
		if err := e.server.Client.Patch(context.Background(), ic, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))); err != nil {
			t.Fatalf("removing the finalizer: %v", err)
		}
		mustNotExist(t, e.hub.Client, "stored")
	})
}

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// setCredentialsRule sets the root x-kubernetes-validations of the ImportedCluster CRD to
// rules (nil removes them), waits until the API server applies them, and returns the
// previous ones.
func setCredentialsRule(t *testing.T, e *env, rules []any) []any {
	t.Helper()
	var prev []any
	editCRD(t, e, func(v map[string]any) {
		prev, _, _ = unstructured.NestedSlice(v, "schema", "openAPIV3Schema", "x-kubernetes-validations")
		if rules == nil {
			unstructured.RemoveNestedField(v, "schema", "openAPIV3Schema", "x-kubernetes-validations")
		} else if err := unstructured.SetNestedSlice(v, rules, "schema", "openAPIV3Schema", "x-kubernetes-validations"); err != nil {
			t.Fatal(err)
		}
	})
	// The API server swaps the CRD's handler shortly after: probe with a server-side dry run,
	// which the rule, while in effect, refuses with its message.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := e.kubectl(t, credentialsRef("probe", "00000000-0000-4000-8000-0000000000b0", webhookTLS), "apply", "--dry-run=server", "-f", "-")
		if strings.Contains(out, credentialsCEL) == (rules != nil) {
			return prev
		}
		if time.Now().After(deadline) {
			t.Fatalf("the CRD's rules did not take effect in 30s: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// editCRD changes the served version of the installed ImportedCluster CRD with edit.
func editCRD(t *testing.T, e *env, edit func(version map[string]any)) {
	t.Helper()
	ctx := context.Background()
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(crdGVK)
	if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: "importedclusters.kimport.dev"}, crd); err != nil {
		t.Fatal(err)
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	edit(versions[0].(map[string]any))
	if err := unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions"); err != nil {
		t.Fatal(err)
	}
	if err := e.hub.Client.Update(ctx, crd); err != nil {
		t.Fatal(err)
	}
}

// ignoreWebhook sets the webhook's failurePolicy to Ignore and stops the hub component (on),
// or restores Fail and starts it: a hub as it was before the webhook was installed.
func ignoreWebhook(t *testing.T, e *env, on bool) {
	t.Helper()
	ctx := context.Background()
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: "kimport-webhook"}, &vwc); err != nil {
		t.Fatal(err)
	}
	policy := admissionregistrationv1.Fail
	if on {
		policy = admissionregistrationv1.Ignore
		e.server.Stop(t)
	}
	vwc.Webhooks[0].FailurePolicy = &policy
	if err := e.hub.Client.Update(ctx, &vwc); err != nil {
		t.Fatal(err)
	}
	if !on {
		e.server.Start(t)
		return
	}
	// The API server applies a changed webhook configuration from its own informer, a moment
	// later: wait until a write goes through with the webhook stopped.
	probe := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "ignore-webhook-probe"},
		Spec: v1alpha1.ImportedClusterSpec{APIServer: "https://probe.example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName("ignore-webhook-probe")}}}
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = e.hub.Client.Create(ctx, probe.DeepCopy(), client.DryRunAll); err == nil {
			return
		}
	}
	t.Fatalf("the API server still calls the stopped webhook after its failurePolicy became Ignore: %v", err)
}
