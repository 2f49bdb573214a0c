package deploy_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/deploy"
	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

// TestBaseAppliesToARealAPIServer: the kustomize base passes a server-side dry run of a real
// hub API server (schema, defaulting, admission) with kubectl's own kustomize.
func TestBaseAppliesToARealAPIServer(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The namespace and CRD exist first: a dry run persists nothing, so objects in a
	// namespace the same apply creates would be refused.
	hub := testenv.Start(t, testenv.Options{Name: "hub", HubCRDs: true})
	out, err := exec.Command("kubectl", "--kubeconfig", hub.Kubeconfig, "apply", "--dry-run=server",
		"-k", filepath.Join(root, "deploy", "base")).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k deploy/base: %v\n%s", err, out)
	}
	for _, want := range []string{
		"customresourcedefinition.apiextensions.k8s.io/importedclusters.kimport.dev configured (server dry run)",
		"deployment.apps/kimport-webhook created (server dry run)",
		"deployment.apps/kimport-controller created (server dry run)",
		"serviceaccount/kimport-controller created (server dry run)",
		"poddisruptionbudget.policy/kimport-controller created (server dry run)",
		"validatingwebhookconfiguration.admissionregistration.k8s.io/kimport-webhook created (server dry run)",
		"poddisruptionbudget.policy/kimport-webhook created (server dry run)",
		"apiservice.apiregistration.k8s.io/v1alpha1.gateway.kimport.dev created (server dry run)",
		"service/kimport-gateway created (server dry run)",
		"rolebinding.rbac.authorization.k8s.io/kimport-controller-authentication-reader created (server dry run)",
		"clusterrolebinding.rbac.authorization.k8s.io/kimport-controller-auth-delegator created (server dry run)",
		"clusterrolebinding.rbac.authorization.k8s.io/kimport-gateway-member created (server dry run)",
		"clusterrole.rbac.authorization.k8s.io/kimport-inventory-consumer created (server dry run)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
}

// TestCertManagerOverlay: the overlay asks cert-manager for the webhook's and the gateway's
// certificates and turns their own rotation off.
func TestCertManagerOverlay(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("kubectl", "kustomize", filepath.Join(root, "deploy", "overlays", "cert-manager")).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	for _, want := range []string{"cert-manager.io/inject-ca-from: kimport-system/kimport-webhook", "- --cert-rotation=false", "kind: Certificate", "secretName: kimport-webhook-tls",
		"cert-manager.io/inject-ca-from: kimport-system/kimport-gateway", "- --gateway-cert-rotation=false", "secretName: kimport-gateway-tls", "- client auth"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("overlay lacks %q", want)
		}
	}
}

// TestEmbeddedResourcesInOrder: init applies what the base lists, CRD first.
func TestEmbeddedResourcesInOrder(t *testing.T) {
	files, err := deploy.Resources()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 || files[0] != "base/crd/kimport.dev_importedclusters.yaml" {
		t.Fatalf("resources %v: the CRD must come first", files)
	}
	for _, f := range files {
		if _, err := deploy.FS.ReadFile(f); err != nil {
			t.Errorf("%s listed but not embedded: %v", f, err)
		}
	}
}
