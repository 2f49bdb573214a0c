package oneshot

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// TestAgentEnvFromSecret: a proxy URL with a password reaches the agent only through a Secret
// the downstream admin created. The plugin refuses it as a plain --agent-env (saying how to
// pass it), refuses a reference to a Secret that does not exist, and with
// --agent-env-from-secret writes (and with --dry-run prints) the agent's Deployment with a
// secretKeyRef alone: the value is in no output and in no object the import wrote. Each
// refusal writes nothing in the hub or the downstream.
func TestAgentEnvFromSecret(t *testing.T) {
	const password = "s3cret-proxy-pass"
	// The transcript shows the refused command line: not its password either.
	testLog = func(s string) { t.Log(strings.ReplaceAll(s, password, "<redacted>")) }
	t.Cleanup(func() { testLog = func(string) {} })
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub"}, testenv.Options{Name: "edge"})
	hub, edge := clusters[0], clusters[1]
	ctx := context.Background()
	hubServer := hubenv.New(t, hub)
	if out, _, err := run(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", hubServer.URL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	hubServer.Start(t)

	proxy := "http://proxyuser:" + password + "@proxy.example:3128"
	base := []string{"edge-1", "--kubeconfig", edge.Kubeconfig, "--hub-kubeconfig", hub.Kubeconfig, "--mode", "agent", "--wait=false", "--agent-env", "NO_PROXY=10.0.0.0/8"}
	fromSecret := []string{"--agent-env-from-secret", "HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY"}
	noSecretValue := func(what, s string) {
		t.Helper()
		if strings.Contains(s, password) {
			t.Errorf("%s shows the proxy password:\n%s", what, s)
		}
	}

	t.Run("a proxy URL with a password as a plain --agent-env is refused, with the fix", func(t *testing.T) {
		out, errOut, err := runCluster("", append(base, "--agent-env", "HTTPS_PROXY="+proxy)...)
		if err == nil {
			t.Fatal("cluster --agent-env HTTPS_PROXY=http://USER:PASSWORD@... was accepted")
		}
		mustContain(t, "error", err.Error(), "--agent-env HTTPS_PROXY: a proxy URL with user information (USER:PASSWORD@) would be stored in plain text",
			"--agent-env-from-secret HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY")
		noSecretValue("the refusal", out+errOut+err.Error())
		assertNothingImported(t, hub, edge)
	})

	t.Run("a Secret that does not exist is refused before anything is written", func(t *testing.T) {
		out, errOut, err := runCluster("", append(base, fromSecret...)...)
		if err == nil {
			t.Fatal("cluster --agent-env-from-secret naming a missing Secret was accepted")
		}
		mustContain(t, "error", err.Error(), "--agent-env-from-secret HTTPS_PROXY: secret cattle-system/kimport-agent-env not found in the downstream: create it first",
			"kubectl -n cattle-system create secret generic kimport-agent-env --from-literal=HTTPS_PROXY=...")
		noSecretValue("the refusal", out+errOut)
		assertNothingImported(t, hub, edge)
	})

	// The downstream admin puts the URL in a Secret of cattle-system, by their own means.
	if err := edge.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace}}); err != nil {
		t.Fatal(err)
	}
	if err := edge.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: "kimport-agent-env"},
		StringData: map[string]string{"HTTPS_PROXY": proxy}}); err != nil {
		t.Fatal(err)
	}

	t.Run("--dry-run=client -o yaml shows the reference, not the value", func(t *testing.T) {
		out, errOut, err := runCluster("", append(append(base, fromSecret...), "--dry-run=client", "-o", "yaml")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		noSecretValue("the dry run", out+errOut)
		assertEnvReference(t, "dry run", dryRunDeployment(t, out))
		assertNothingImported(t, hub, edge)
	})

	t.Run("the import writes the reference; the value stays in the admin's Secret", func(t *testing.T) {
		out, errOut, err := runCluster("", append(base, fromSecret...)...)
		if err != nil {
			t.Fatalf("%v\n%s%s", err, out, errOut)
		}
		noSecretValue("the import's output", out+errOut)
		var d appsv1.Deployment
		if err := edge.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentDeployment}, &d); err != nil {
			t.Fatal(err)
		}
		assertEnvReference(t, "the agent Deployment", &d)
		raw, _ := yaml.Marshal(&d)
		noSecretValue("the agent Deployment", string(raw))
	})
}

// dryRunDeployment is the agent's Deployment in the List a dry run printed.
func dryRunDeployment(t *testing.T, out string) *appsv1.Deployment {
	t.Helper()
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := yaml.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("dry run output is not YAML: %v\n%s", err, out)
	}
	for _, item := range list.Items {
		if item["kind"] != "Deployment" {
			continue
		}
		raw, _ := yaml.Marshal(item)
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict(raw, &d); err != nil {
			t.Fatal(err)
		}
		return &d
	}
	t.Fatalf("no Deployment in the dry run:\n%s", out)
	return nil
}

// assertEnvReference: the agent gets NO_PROXY as a value and HTTPS_PROXY from the Secret.
func assertEnvReference(t *testing.T, what string, d *appsv1.Deployment) {
	t.Helper()
	env := d.Spec.Template.Spec.Containers[0].Env
	if len(env) != 2 || env[0].Name != "NO_PROXY" || env[0].Value != "10.0.0.0/8" || env[1].Name != "HTTPS_PROXY" || env[1].Value != "" ||
		env[1].ValueFrom == nil || env[1].ValueFrom.SecretKeyRef == nil ||
		env[1].ValueFrom.SecretKeyRef.Name != "kimport-agent-env" || env[1].ValueFrom.SecretKeyRef.Key != "HTTPS_PROXY" {
		t.Errorf("%s: env %+v", what, env)
	}
}
