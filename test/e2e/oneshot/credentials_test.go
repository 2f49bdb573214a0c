package oneshot

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

// execRequest is $KUBERNETES_EXEC_INFO as client-go writes it for a cluster with the exec
// extension of cluster name (provideClusterInfo); cluster "" leaves spec.cluster out.
func execRequest(apiVersion, name, server string, ca []byte, extra string) string {
	if server == "" {
		return fmt.Sprintf(`{"kind":"ExecCredential","apiVersion":%q,"spec":{"interactive":false}}`, apiVersion)
	}
	caJSON, _ := json.Marshal(ca) // base64, as client-go encodes []byte
	return fmt.Sprintf(`{"kind":"ExecCredential","apiVersion":%q,"spec":{"cluster":{"server":%q,"certificate-authority-data":%s%s,"config":{"clusterName":%q,"command":["kubectl","import","credentials",%q]}},"interactive":false}}`,
		apiVersion, server, caJSON, extra, name, name)
}

// testCredentialsGoOnlyToTheirCluster is the attack of issue 17 on `kubectl import credentials`
// (the built plugin, as a consumer runs it): an exec request naming the direct-mode cluster
// name but another server, another or no CA, no server check at all, or verification off
// gets no token (exit 1, nothing on stdout, the refused field and the hub's record on stderr);
// the request that names exactly what name's ClusterProfile publishes gets one, in the
// request's API version.
func testCredentialsGoOnlyToTheirCluster(t *testing.T, plugin string, hub *testenv.Cluster, name, server string, ca []byte) {
	t.Helper()
	attackerCA := hub.Config.CAData // a real CA, but not the one recorded for name
	const v1, v1beta1 = "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"
	credentials := func(info string) (string, string, int) {
		cmd := exec.Command(plugin, "credentials", "--hub-kubeconfig", hub.Kubeconfig)
		cmd.Env = append(os.Environ(), "KUBERNETES_EXEC_INFO="+info)
		return runBinary(t, cmd)
	}
	for _, attack := range []struct {
		name, info string
		stderr     []string
	}{
		{"the server of issue 17", execRequest(v1, name, "https://attacker.invalid:6443", ca, ""),
			[]string{`spec.cluster.server of the exec request ($KUBERNETES_EXEC_INFO) is "https://attacker.invalid:6443", but the hub records ` + server + " for " + name}},
		{"the right server, another CA", execRequest(v1, name, server, attackerCA, ""),
			[]string{"spec.cluster.certificate-authority-data", "the hub records the CA sha256:"}},
		{"the right server, the system roots", execRequest(v1, name, server, nil, ""),
			[]string{"spec.cluster.certificate-authority-data", "is empty"}},
		{"verification off", execRequest(v1, name, server, ca, `,"insecure-skip-tls-verify":true`),
			[]string{"spec.cluster.insecure-skip-tls-verify"}},
		{"a duplicated server (a parser differential)", strings.Replace(execRequest(v1, name, server, ca, ""), `"server":`, `"server":"https://attacker.invalid:6443","server":`, 1),
			[]string{`duplicate field "spec.cluster.server"`}},
		{"no cluster information", execRequest(v1, name, "", nil, ""),
			[]string{"no cluster named"}},
	} {
		stdout, stderr, code := credentials(attack.info)
		if code != 1 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q; want exit 1 and nothing printed", attack.name, code, stdout)
		}
		mustContain(t, attack.name+": stderr", stderr, attack.stderr...)
		t.Logf("%s: exit %d, stdout %q, stderr %s", attack.name, code, stdout, stderr)
	}
	// No server to check and NAME given: refused before the hub is asked.
	cmd := exec.Command(plugin, "credentials", name, "--hub-kubeconfig", hub.Kubeconfig)
	cmd.Env = append(os.Environ(), "KUBERNETES_EXEC_INFO="+execRequest(v1, name, "", nil, ""))
	stdout, stderr, code := runBinary(t, cmd)
	if code != 1 || stdout != "" {
		t.Errorf("no cluster information, NAME given: exit %d, stdout %q", code, stdout)
	}
	mustContain(t, "no cluster information: stderr", stderr, "spec.cluster", "provideClusterInfo")

	// kubectl with a kubeconfig user whose exec is the plugin (as its help shows): with
	// provideClusterInfo and the published server and CA it reads the cluster; without
	// provideClusterInfo it gets no token.
	for _, provide := range []bool{true, false} {
		kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{APIVersion: v1, Command: plugin,
			Args: []string{"credentials", name, "--hub-kubeconfig", hub.Kubeconfig}, ProvideClusterInfo: provide, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
		cfg.CurrentContext = name
		if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := runBinary(t, exec.Command("kubectl", "--kubeconfig", kubeconfig, "get", "namespace", "kube-system", "-o", "name"))
		switch {
		case provide && (code != 0 || stdout != "namespace/kube-system\n"):
			t.Errorf("kubectl through the exec plugin with provideClusterInfo: exit %d\n%s%s", code, stdout, stderr)
		case !provide && (code == 0 || !strings.Contains(stderr, "provideClusterInfo")):
			t.Errorf("kubectl through the exec plugin without provideClusterInfo: exit %d, want a refusal naming provideClusterInfo\n%s%s", code, stdout, stderr)
		}
	}

	// The server as published, and with or without a trailing slash (the same URL).
	other := strings.TrimSuffix(server, "/")
	if other == server {
		other += "/"
	}
	for version, server := range map[string]string{v1: server, v1beta1: other} {
		stdout, stderr, code := credentials(execRequest(version, name, server, ca, `,"proxy-url":""`))
		var cred clientauthv1.ExecCredential
		if code != 0 || json.Unmarshal([]byte(stdout), &cred) != nil || cred.Status == nil || cred.Status.Token == "" {
			t.Fatalf("%s request for %s at %s: exit %d\n%s%s", version, name, server, code, stdout, stderr)
		}
		if cred.APIVersion != version {
			t.Errorf("answered a %s request in %s", version, cred.APIVersion)
		}
	}
}
