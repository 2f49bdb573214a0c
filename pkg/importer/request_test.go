package importer

import (
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

func testRequest() Request {
	return Request{
		Name: "edge-1", DisplayName: "Edge", ClusterID: "0b9e-uid", APIServer: "https://10.0.0.5:6443",
		CAData: []byte("-----BEGIN CERTIFICATE-----\n"), HubID: "hub-uid", HubServer: "https://hub:6443",
		Members: []v1alpha1.Member{{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner}},
	}
}

func TestValidateAPIServer(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://10.0.0.5:6443": true, "https://k8s.example.com": true,
		"http://10.0.0.5:6443": false, "10.0.0.5:6443": false, "https://": false, "": false,
	} {
		if err := ValidateAPIServer(s); (err == nil) != ok {
			t.Errorf("ValidateAPIServer(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

func TestSpecMatchesIgnoresFieldsOtherVerbsOwn(t *testing.T) {
	req := testRequest()
	ic := req.ImportedCluster()
	ic.Spec.K3s = &v1alpha1.K3sSpec{Version: "v1.37.2+k3s1"}
	if !req.SpecMatches(ic) {
		t.Error("spec.k3s (owned by upgrade) must not make a re-run differ")
	}
	req.Members = nil
	ic.Spec.Members = []v1alpha1.Member{}
	if !req.SpecMatches(ic) {
		t.Error("no members and an empty member list are the same")
	}
	req.DisplayName = "other"
	if req.SpecMatches(ic) {
		t.Error("a new display name is a change")
	}
}

func TestImportedClusterCarriesFinalizerAndCredentialsRef(t *testing.T) {
	ic := testRequest().ImportedCluster()
	if len(ic.Finalizers) != 1 || ic.Finalizers[0] != v1alpha1.Finalizer {
		t.Errorf("finalizers = %v", ic.Finalizers)
	}
	if ic.Spec.CredentialsSecretRef.Name != "edge-1-credentials" || ic.Labels[v1alpha1.ClusterIDLabel] != "0b9e-uid" {
		t.Errorf("record = %+v", ic)
	}
	lease := testRequest().IdentityClaim()
	if lease.Name != v1alpha1.IdentityClaimName("0b9e-uid") || *lease.Spec.HolderIdentity != "edge-1" {
		t.Errorf("claim = %+v", lease)
	}
}

func TestDryRunObjectsNeverHoldAToken(t *testing.T) {
	objs, err := DryRunObjects(testRequest(), false)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, u := range objs {
		kinds = append(kinds, u.GetKind())
		if u.GetKind() == "Secret" && u.GetNamespace() == v1alpha1.HubNamespace {
			if _, has := u.Object["data"].(map[string]any)[hubcreds.KeyToken]; has {
				t.Error("the credentials Secret of a dry run has data.token")
			}
			if got := u.Object["stringData"].(map[string]any)[hubcreds.KeyToken]; got != TokenPlaceholder {
				t.Errorf("stringData.token = %v, want the placeholder", got)
			}
		}
	}
	want := "Lease Namespace ClusterRole ServiceAccount ClusterRoleBinding Role RoleBinding ConfigMap ServiceAccount ClusterRole ClusterRoleBinding ConfigMap " +
		"ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding " +
		"ImportedCluster Secret"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("kinds = %s\nwant   %s", got, want)
	}
	withNS, _ := DryRunObjects(testRequest(), true)
	if len(withNS) != len(objs)-1 {
		t.Errorf("an existing cattle-system must not be in the dry run")
	}
}
