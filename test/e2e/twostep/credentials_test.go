package twostep

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/join"
)

// TestJoinTokenNeverReadsCredentials: the attacks of a join token on the credentials Secret
// it fills, against a real hub with the policy `kubectl import init` installs. Before the
// fix a dry-run PATCH `{}` returned the whole Secret, agent token included, and a patch of
// server and CA would have redirected the hub's next probe.
func TestJoinTokenNeverReadsCredentials(t *testing.T) {
	hub, downstreams := startHub(t, "nat")
	nat := downstreams[0]
	ctx := context.Background()
	hubFlags := []string{"--hub-kubeconfig", hub.Kubeconfig}

	t.Run("the token fills its empty Secret once and then can neither read nor change it", func(t *testing.T) {
		out, _, err := runCreate(append(hubFlags, "leak")...)
		if err != nil {
			t.Fatal(err)
		}
		token := parseJoin(t, out).token
		const planted = "planted-agent-token"
		secret := v1alpha1.CredentialsSecretName("leak")
		fill := fmt.Sprintf(`{"data":{"server":%q,"ca.crt":%q,"token":%q}}`, b64("https://leak.example:6443"), b64("CA"), b64(planted))
		// The policy is loaded by the API server asynchronously after init: until it refuses
		// a write to another registration's Secret, it is not in force yet.
		raw := rawPatcher(t, hub.Config, token)
		eventually(t, 20*time.Second, func() (bool, string) {
			body, err := raw(secret, `{"data":{"x":"eA=="}}`, true)
			return apierrors.IsInvalid(err) && strings.Contains(string(body), "kimport-join-credentials"),
				fmt.Sprintf("a dry-run write of keys other than server, ca.crt and token: %v %s", err, body)
		})
		if _, err := raw(secret, fill, false); err != nil {
			t.Fatalf("filling the empty credentials Secret: %v", err)
		}
		for _, attack := range []struct{ name, patch string }{
			{"read back by a dry-run PATCH {}", `{}`},
			{"redirect the hub's probe", fmt.Sprintf(`{"data":{"server":%q,"ca.crt":%q}}`, b64("https://evil.example:6443"), b64("EVIL"))},
			{"replace the token", fmt.Sprintf(`{"data":{"token":%q}}`, b64("other"))},
		} {
			for _, dryRun := range []bool{true, false} {
				body, err := raw(secret, attack.patch, dryRun)
				if !apierrors.IsForbidden(err) {
					t.Errorf("%s (dry run %v): %v, want Forbidden", attack.name, dryRun, err)
				}
				if strings.Contains(string(body), b64(planted)) || strings.Contains(string(body), planted) {
					t.Errorf("%s (dry run %v) returned the stored token: %s", attack.name, dryRun, body)
				}
			}
		}
		var s corev1.Secret
		if err := hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: secret}, &s); err != nil {
			t.Fatal(err)
		}
		if string(s.Data["server"]) != "https://leak.example:6443" || string(s.Data["token"]) != planted {
			t.Errorf("the Secret changed: server %q", s.Data["server"])
		}
		// A new join token could not change the credentials either: create refuses to issue one.
		_, _, err = runCreate(append(hubFlags, "leak", "--rotate-token")...)
		if err == nil {
			t.Fatal("create --rotate-token issued a token for handed-over credentials")
		}
		mustContain(t, "error", err.Error(), "already handed its credentials over", "kubectl import delete leak")
	})

	t.Run("the token dies the moment the credentials are handed over, not at Active", func(t *testing.T) {
		out, _, err := runCreate(append(hubFlags, "nat")...)
		if err != nil {
			t.Fatal(err)
		}
		cmd := parseJoin(t, out)
		// The hub cannot reach the advertised address: the cluster stays Pending. The join is
		// cut right after the hand-over, before it revokes its own token.
		args := append([]string{"--kubeconfig", nat.Kubeconfig, "--advertise-address", "https://127.0.0.1:9"}, cmd.args()...)
		if _, _, err := runJoin(join.StepHandOver, args...); err == nil || !strings.Contains(err.Error(), "fault injected") {
			t.Fatalf("join cut after %s: %v", join.StepHandOver, err)
		}
		var stored corev1.Secret
		if err := hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName("nat")}, &stored); err != nil {
			t.Fatal(err)
		}
		agentToken := string(stored.Data[hubcreds.KeyToken])
		raw := rawPatcher(t, hub.Config, cmd.token)
		eventually(t, 30*time.Second, func() (bool, string) {
			body, err := raw(v1alpha1.CredentialsSecretName("nat"), `{}`, true)
			if agentToken == "" || strings.Contains(string(body), agentToken) || strings.Contains(string(body), b64(agentToken)) {
				t.Fatalf("a dry-run PATCH with the join token returned the agent token")
			}
			return apierrors.IsUnauthorized(err), fmt.Sprintf("the join token after the hand-over: %v, want Unauthorized (revoked)", err)
		})
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "nat"}, &ic); err != nil {
			t.Fatal(err)
		}
		if ic.Status.Phase == v1alpha1.PhaseActive {
			t.Errorf("nat is Active; the test needs it Pending to show revocation before Active")
		}
		if exists, err := joinflow.IdentityExists(ctx, hub.Client, "nat"); exists || err != nil {
			t.Errorf("join identity of nat: exists=%v (%v), want revoked", exists, err)
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// rawPatcher sends merge patches of a kimport-system Secret as token, returning the raw
// response body: what an attacker would see.
func rawPatcher(t *testing.T, hub *rest.Config, token string) func(name, patch string, dryRun bool) ([]byte, error) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: hub.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: hub.CAData}})
	if err != nil {
		t.Fatal(err)
	}
	return func(name, patch string, dryRun bool) ([]byte, error) {
		req := cs.CoreV1().RESTClient().Patch(types.MergePatchType).Namespace(v1alpha1.HubNamespace).Resource("secrets").Name(name).Body([]byte(patch))
		if dryRun {
			req = req.Param("dryRun", metav1.DryRunAll)
		}
		return req.Do(context.Background()).Raw()
	}
}
