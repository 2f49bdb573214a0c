package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	cia "sigs.k8s.io/cluster-inventory-api/apis/v1alpha1"
	ciaclient "sigs.k8s.io/cluster-inventory-api/client/clientset/versioned"
	"sigs.k8s.io/cluster-inventory-api/pkg/access"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inventory"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/capabilities"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/kubeconfig"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/nodeconfig"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/upgrader"
)

// TestPluginThroughTheGateway: the plugin's side of the gateway, on startEnv's hub and
// clusters. A member writes kubeconfigs with `kubectl import kubeconfig` (printed and merged)
// and kubectl reaches both clusters through the hub as that member, while a non-member and an
// unknown cluster are refused with nothing written; the hub verbs read the agent-mode cluster
// through the gateway without any downstream kubeconfig, as the caller, `upgrader logs -f`
// streaming; a consumer holding only the consumer ClusterRole (no right on any Secret) lists
// the namespaces of both clusters from their ClusterProfiles alone, with cluster-inventory-api's
// pkg/access and the built plugin as exec provider, finding its credential in $KUBECONFIG and,
// as in a pod, in its ServiceAccount token; and `credentials` sends the consumer's credential
// nowhere but the gateway of the cluster on its own hub.
func TestPluginThroughTheGateway(t *testing.T) {
	pluginBin := hubenv.BuildPlugin(t)
	e := startEnv(t)
	ctx := context.Background()
	bob, _ := e.hub.AddUser(t, "bob", []string{"sre"})
	readerToken, readerCfg := e.hub.ServiceAccountToken(t, consumers, "reader")
	hubOf := func(user string, cfg *rest.Config) string { return e.hubKubeconfig(t, user, cfg) }
	alice, carol, bobHub := hubOf("alice", &rest.Config{BearerToken: e.tokens["alice"]}), hubOf("carol", &rest.Config{BearerToken: e.tokens["carol"]}), hubOf("bob", bob)
	reader := hubOf("reader", readerCfg)

	for _, ds := range []*testenv.Cluster{e.edge, e.plain} {
		t.Run("a member's kubeconfig reaches "+ds.Name+" through the hub, printed or merged", func(t *testing.T) {
			out, err := run(kubeconfig.NewCmd, ds.Name, "--hub-kubeconfig", alice)
			if err != nil {
				t.Fatalf("kubeconfig %s: %v\n%s", ds.Name, err, out)
			}
			printed := filepath.Join(t.TempDir(), "printed")
			writeFile(t, printed, out)
			cfg, err := clientcmd.LoadFromFile(printed)
			if err != nil {
				t.Fatalf("the printed kubeconfig does not load: %v\n%s", err, out)
			}
			entry := ds.Name + "@hub"
			if cfg.CurrentContext != entry || cfg.Clusters[entry].Server != gatewayapi.ProxyURL(e.hub.Config.Host, ds.Name) ||
				!bytes.Equal(cfg.Clusters[entry].CertificateAuthorityData, e.hub.Config.CAData) || cfg.AuthInfos["alice"].Token != e.tokens["alice"] {
				t.Errorf("printed kubeconfig:\n%s", out)
			}
			e.mustListOnly(t, printed, "", ds)
			if who, err := e.kubectl(t, printed, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"); err != nil || who != "alice" {
				t.Errorf("%s sees %q (%v), want alice", ds.Name, who, err)
			}

			// Merged into a kubeconfig of its own: the user is copied; a re-run changes nothing.
			target := filepath.Join(t.TempDir(), "config")
			out, err = run(kubeconfig.NewCmd, ds.Name, "--hub-kubeconfig", alice, "--merge", "--kubeconfig", target)
			if err != nil || !strings.Contains(out, "cluster/"+entry+" created\nuser/"+entry+" created\ncontext/"+entry+" created\n") {
				t.Fatalf("kubeconfig --merge: %v\n%s", err, out)
			}
			e.mustListOnly(t, target, entry, ds)
			before := readFile(t, target)
			out, err = run(kubeconfig.NewCmd, ds.Name, "--hub-kubeconfig", alice, "--merge", "--kubeconfig", target)
			if err != nil || strings.Count(out, " unchanged\n") != 3 || readFile(t, target) != before {
				t.Errorf("a second --merge: %v\n%s", err, out)
			}

			// Merged by kubectl's rules into the hub's own kubeconfig ($KUBECONFIG): the context
			// names the hub's user entry, nothing is copied, the current context stays.
			own := filepath.Join(t.TempDir(), "own")
			writeFile(t, own, readFile(t, alice))
			t.Setenv("KUBECONFIG", own)
			out, err = run(kubeconfig.NewCmd, ds.Name, "--hub-kubeconfig", own, "--merge")
			if err != nil || !strings.Contains(out, "user/alice unchanged (the hub's own user entry)") {
				t.Fatalf("kubeconfig --merge into the hub's kubeconfig: %v\n%s", err, out)
			}
			merged, _ := clientcmd.LoadFromFile(own)
			if merged.CurrentContext != "hub" || len(merged.AuthInfos) != 1 || merged.Contexts[entry].AuthInfo != "alice" {
				t.Errorf("after --merge: current %q, users %d, context %+v", merged.CurrentContext, len(merged.AuthInfos), merged.Contexts[entry])
			}
			e.mustListOnly(t, own, entry, ds)

			// An entry of that name that the verb did not write is never overwritten.
			if _, err := e.kubectl(t, target, "config", "set-context", "taken", "--cluster", "elsewhere"); err != nil {
				t.Fatal(err)
			}
			before = readFile(t, target)
			_, err = run(kubeconfig.NewCmd, ds.Name, "--hub-kubeconfig", alice, "--merge", "--kubeconfig", target, "--context-name", "taken")
			if err == nil || !strings.Contains(err.Error(), `context "taken" already exists in your kubeconfig and it was not written by kubectl import kubeconfig`) || readFile(t, target) != before {
				t.Errorf("--merge over someone's context: %v", err)
			}
		})
	}

	t.Run("a non-member, and a cluster that does not exist, get no kubeconfig", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "config")
		_, err := run(kubeconfig.NewCmd, "edge", "--hub-kubeconfig", carol, "--merge", "--kubeconfig", target)
		if err == nil || !strings.Contains(err.Error(), "the hub's gateway refuses you for edge") ||
			!strings.Contains(err.Error(), "kubectl import members edge --add User:carol=cluster-member") {
			t.Errorf("carol (no member): %v", err)
		}
		if _, err := os.Stat(target); !os.IsNotExist(err) {
			t.Errorf("a kubeconfig was written for a non-member: %v", err)
		}
		// What the kubeconfig would have sent: the gateway's 403, nothing forwarded.
		if out, err := e.kubectl(t, e.asToken(t, "carol", "edge"), "get", "namespaces"); err == nil || !strings.Contains(err.Error(), "not a member of cluster edge") {
			t.Errorf("carol through the gateway: %v\n%s", err, out)
		}
		// The hub's admin reads the records: told it does not exist. A member reads none: the
		// gateway answers as for a non-member, so nothing says which clusters exist.
		if _, err := run(kubeconfig.NewCmd, "nope", "--hub-kubeconfig", e.hub.Kubeconfig); err == nil ||
			err.Error() != `importedcluster "nope" not found (list them with 'kubectl import list')` {
			t.Errorf("admin, unknown cluster: %v", err)
		}
		if _, err := run(kubeconfig.NewCmd, "nope", "--hub-kubeconfig", alice); err == nil || !strings.Contains(err.Error(), "the hub's gateway refuses you for nope") {
			t.Errorf("alice, unknown cluster: %v", err)
		}
	})

	t.Run("hub verbs read the agent-mode cluster through the gateway as the caller", func(t *testing.T) {
		for _, user := range []string{"alice", "bob"} {
			e.bindHub(t, user, rbacv1.PolicyRule{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters"}, Verbs: []string{"get", "list"}})
		}
		if err := testenv.CreateK3sNodes(ctx, e.edge.Client, 1, 1, e.edge.Version); err != nil {
			t.Fatal(err)
		}
		out, err := run(nodeconfig.NewCmd, "edge", "--hub-kubeconfig", alice)
		if err != nil || !strings.Contains(out, "k3s-server-1") || !strings.Contains(out, "k3s-agent-1") {
			t.Errorf("node-config edge as alice (cluster-owner): %v\n%s", err, out)
		}
		// bob is a member through group sre (cluster-member: view), which reads no nodes.
		if out, err := run(nodeconfig.NewCmd, "edge", "--hub-kubeconfig", bobHub); err == nil || !strings.Contains(err.Error(), "forbidden") ||
			!strings.Contains(err.Error(), gatewayapi.GroupMemberUser) {
			t.Errorf("node-config edge as bob (view): %v\n%s", err, out)
		}
		out, err = run(capabilities.NewCmd, "edge", "--hub-kubeconfig", alice, "-o", "json")
		var doc capabilities.Document
		if err != nil || json.Unmarshal([]byte(out), &doc) != nil || !doc.Live || len(doc.Capabilities) == 0 {
			t.Errorf("capabilities edge: %v\n%s", err, out)
		}
		e.installPlanCRD(t)
		if out, err := run(upgrader.NewCmd, "plans", "edge", "--hub-kubeconfig", alice); err != nil || out != "No resources found in cattle-system namespace.\n" {
			t.Errorf("upgrader plans edge: %v\n%q", err, out)
		}
		e.followLogs(t, pluginBin(t), alice)
	})

	t.Run("a consumer with only the consumer ClusterRole lists both clusters from their ClusterProfiles", func(t *testing.T) {
		e.bindConsumer(t, "reader")
		e.mustNotReadSecrets(t, reader)
		profiles := e.profiles(t, readerCfg)
		env := map[string]string{"KUBECONFIG": reader}
		for _, ds := range []*testenv.Cluster{e.edge, e.plain} {
			e.listThroughProfile(t, pluginBin(t), profiles[ds.Name], env, ds)
		}
	})

	t.Run("in a pod: the consumer's ServiceAccount token, no kubeconfig, no record", func(t *testing.T) {
		wrapper := inClusterWrapper(t, pluginBin(t), readerToken, e.hub.Config.CAData)
		host, port := hostPort(t, e.hub.Config.Host)
		env := map[string]string{"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
		profiles := e.profiles(t, readerCfg)
		for _, ds := range []*testenv.Cluster{e.edge, e.plain} {
			e.listThroughProfile(t, wrapper, profiles[ds.Name], env, ds)
		}
		// What the exec plugin printed is the pod's token.
		ap := profiles["edge"].Status.AccessProviders[0]
		stdout, stderr, code := execCredentials(t, wrapper, env, execRequest("edge", ap.Cluster.Server, ap.Cluster.CertificateAuthorityData, ""))
		var cred clientauthv1.ExecCredential
		if code != 0 || json.Unmarshal([]byte(stdout), &cred) != nil || cred.Status == nil || cred.Status.Token != readerToken {
			t.Errorf("credentials in a pod: exit %d, stderr %s", code, stderr)
		}
	})

	t.Run("credentials go only to the gateway of their cluster on the consumer's own hub", func(t *testing.T) {
		env := map[string]string{"KUBECONFIG": reader}
		testCredentialsGoOnlyToTheirCluster(t, pluginBin(t), env, readerToken, e.hub.Config.Host, e.hub.Config.CAData, e.edge.Config.CAData)
	})
}

// hubKubeconfig writes a kubeconfig of the hub itself (context hub) for user with cfg's
// credentials, as a user's own kubeconfig holds them.
func (e *env) hubKubeconfig(t *testing.T, user string, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["hub"] = &clientcmdapi.Cluster{Server: e.hub.Config.Host, CertificateAuthorityData: e.hub.Config.CAData}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken, ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["hub"] = &clientcmdapi.Context{Cluster: "hub", AuthInfo: user}
	kc.CurrentContext = "hub"
	path := filepath.Join(t.TempDir(), user+"-hub.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustListOnly lists namespaces with kubectl through kubeconfig (its context, or the current
// one) and wants ds's own namespace among them.
func (e *env) mustListOnly(t *testing.T, kubeconfig, context string, ds *testenv.Cluster) {
	t.Helper()
	args := []string{"get", "namespaces", "-o", "name"}
	if context != "" {
		args = append(args, "--context", context)
	}
	out, err := e.kubectl(t, kubeconfig, args...)
	if err != nil || !strings.Contains(out, "namespace/only-in-"+ds.Name) {
		t.Errorf("kubectl %s through %s: %v\n%s", strings.Join(args, " "), kubeconfig, err, out)
	}
}

// bindHub gives user a hub ClusterRole with rule.
func (e *env) bindHub(t *testing.T, user string, rule rbacv1.PolicyRule) {
	t.Helper()
	name := "test-" + user
	create(t, e.hub.Client, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{rule}})
	create(t, e.hub.Client, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}})
}

// bindConsumer binds the ClusterRole `init` ships for consumers, and nothing else, to the hub
// ServiceAccount consumers/sa.
func (e *env) bindConsumer(t *testing.T, sa string) {
	t.Helper()
	create(t, e.hub.Client, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "consumer-" + sa},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kimport-inventory-consumer"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: consumers}}})
}

// mustNotReadSecrets asks the hub, as the consumer of kubeconfig, whether it may read any
// Secret (none, anywhere) and the ClusterProfiles (yes).
func (e *env) mustNotReadSecrets(t *testing.T, kubeconfig string) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	may := func(verb, group, resource, ns string) bool {
		r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(context.Background(), &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: verb, Group: group, Resource: resource, Namespace: ns}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r.Status.Allowed
	}
	for _, verb := range []string{"get", "list", "watch"} {
		for _, ns := range []string{"", v1alpha1.HubNamespace, consumers} {
			if may(verb, "", "secrets", ns) {
				t.Errorf("the consumer may %s secrets in %q", verb, ns)
			}
		}
	}
	if !may("list", cia.GroupVersion.Group, "clusterprofiles", v1alpha1.ClusterProfileNamespace) {
		t.Error("the consumer may not list ClusterProfiles")
	}
}

// profiles are the ClusterProfiles of kimport-system as the consumer reads them, once every
// one has its access provider.
func (e *env) profiles(t *testing.T, cfg *rest.Config) map[string]*cia.ClusterProfile {
	t.Helper()
	cs := ciaclient.NewForConfigOrDie(cfg)
	got := map[string]*cia.ClusterProfile{}
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := cs.ApisV1alpha1().ClusterProfiles(v1alpha1.ClusterProfileNamespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for i := range list.Items {
			got[list.Items[i].Name] = &list.Items[i]
		}
		for _, name := range []string{"edge", "plain"} {
			if p := got[name]; p == nil || len(p.Status.AccessProviders) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("ClusterProfiles with access providers: %v (got %d)", err, len(got))
	}
	return got
}

// listThroughProfile does what a multicluster-runtime consumer does with profile: builds its
// client with cluster-inventory-api's pkg/access from the provider file (the exec plugin
// command, with env), and lists the namespaces of ds.
func (e *env) listThroughProfile(t *testing.T, command string, profile *cia.ClusterProfile, env map[string]string, ds *testenv.Cluster) {
	t.Helper()
	execEnv := []clientcmdapi.ExecEnvVar{{Name: "HOME", Value: t.TempDir()}, {Name: "XDG_CONFIG_HOME", Value: t.TempDir()},
		{Name: "KUBECTL_IMPORT_HUB_CONTEXT", Value: ""}, {Name: "KUBECONFIG", Value: env["KUBECONFIG"]}}
	for k, v := range env {
		if k != "KUBECONFIG" {
			execEnv = append(execEnv, clientcmdapi.ExecEnvVar{Name: k, Value: v})
		}
	}
	provider := access.Provider{Name: inventory.AccessProviderName, ExecConfig: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1", Command: command, Args: []string{"credentials"}, Env: execEnv,
		ProvideClusterInfo: true, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
	file := filepath.Join(t.TempDir(), "clusterprofile-provider-file.json")
	data, err := json.Marshal(access.Config{Providers: []access.Provider{provider}})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, string(data))
	providers, err := access.NewFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := providers.BuildConfigFromCP(profile)
	if err != nil {
		t.Fatalf("BuildConfigFromCP(%s): %v", profile.Name, err)
	}
	nss, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing the namespaces of %s through its ClusterProfile: %v", ds.Name, err)
	}
	for _, ns := range nss.Items {
		if ns.Name == "only-in-"+ds.Name {
			return
		}
	}
	t.Errorf("the namespaces listed through %s's ClusterProfile are not %s's: %d namespaces", profile.Name, ds.Name, len(nss.Items))
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// execCredentials runs command (the plugin, or a wrapper of it) as client-go runs an exec
// plugin: request in $KUBERNETES_EXEC_INFO, env added, no hub recorded or chosen.
func execCredentials(t *testing.T, command string, env map[string]string, request string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(command, append([]string{"credentials"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "KUBECTL_IMPORT_HUB_CONTEXT=", "KUBECONFIG="+env["KUBECONFIG"])
	for k, v := range env {
		if k != "KUBECONFIG" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	if request != "" {
		cmd.Env = append(cmd.Env, "KUBERNETES_EXEC_INFO="+request)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", command, err)
	}
	return out.String(), errOut.String(), 0
}

func hostPort(t *testing.T, server string) (string, string) {
	t.Helper()
	host, port, ok := strings.Cut(strings.TrimPrefix(server, "https://"), ":")
	if !ok {
		t.Fatalf("server %q has no port", server)
	}
	return host, port
}

// execRequest is $KUBERNETES_EXEC_INFO as client-go writes it (v1) for a cluster with the exec
// extension of cluster (provideClusterInfo); server "" leaves spec.cluster out.
func execRequest(cluster, server string, ca []byte, extra string) string {
	return execRequestVersion("client.authentication.k8s.io/v1", cluster, server, ca, extra)
}

func execRequestVersion(apiVersion, cluster, server string, ca []byte, extra string) string {
	if server == "" {
		return fmt.Sprintf(`{"kind":"ExecCredential","apiVersion":%q,"spec":{"interactive":false}}`, apiVersion)
	}
	caJSON, _ := json.Marshal(ca) // base64, as client-go encodes []byte
	return fmt.Sprintf(`{"kind":"ExecCredential","apiVersion":%q,"spec":{"cluster":{"server":%q,"certificate-authority-data":%s%s,"config":{"clusterName":%q,"command":["kubectl","import","credentials",%q]}},"interactive":false}}`,
		apiVersion, server, caJSON, extra, cluster, cluster)
}
