package gateway_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// inClusterWrapper is an executable that runs the plugin as in a pod of the hub: in a mount
// namespace of its own, the ServiceAccount's token and the hub's CA are where client-go's
// in-cluster configuration reads them (/var/run/secrets/kubernetes.io/serviceaccount), and
// no kubeconfig or record exists (HOME and XDG_CONFIG_HOME empty). The test is skipped, saying
// why, where mount namespaces are not allowed.
func inClusterWrapper(t *testing.T, plugin, token string, ca []byte) string {
	t.Helper()
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("no mount namespace here (unshare --mount: %v %s): the in-pod credential cannot be placed where client-go reads it", err, out)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "token"), token)
	writeFile(t, filepath.Join(dir, "ca.crt"), string(ca))
	run, err := filepath.EvalSymlinks("/var/run") // /run on most systems
	if err != nil {
		t.Fatal(err)
	}
	sa := run + "/secrets/kubernetes.io/serviceaccount"
	script := `#!/bin/sh
# A pod's view: a fresh ` + run + ` holding only the ServiceAccount's files.
exec unshare --mount --propagation private sh -c '
  mount -t tmpfs tmpfs ` + run + ` && mkdir -p ` + sa + ` &&
  cp ` + dir + `/token ` + dir + `/ca.crt ` + sa + `/ &&
  exec env -u KUBECONFIG ` + plugin + ` "$@"' plugin "$@"
`
	path := filepath.Join(dir, "in-pod")
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// testCredentialsGoOnlyToTheirCluster is the attack of issue 17 on `kubectl import credentials`
// (the built plugin, as a consumer runs it, its hub credential from env): an exec request that
// would send the credential anywhere but the gateway's proxy for the named cluster on the hub
// the credential is for, or trusting anything but that hub's CA, gets nothing (exit 1, nothing
// on stdout, the refused field on stderr); run by hand it prints nothing either; the request
// the cluster's ClusterProfile makes gets the consumer's own credential, in the request's
// version.
func testCredentialsGoOnlyToTheirCluster(t *testing.T, plugin string, env map[string]string, token, hub string, hubCA, otherCA []byte) {
	t.Helper()
	server := gatewayapi.ProxyURL(hub, "edge")
	for _, attack := range []struct {
		name, info string
		args       []string
		stderr     string
	}{
		{"the server of issue 17", execRequest("edge", "https://attacker.invalid:6443", hubCA, ""), nil,
			`spec.cluster.server of the exec request ($KUBERNETES_EXEC_INFO) is "https://attacker.invalid:6443", but the hub's gateway for edge is ` + server},
		{"the hub itself", execRequest("edge", hub, hubCA, ""), nil, "spec.cluster.server"},
		{"another cluster's proxy", execRequest("edge", gatewayapi.ProxyURL(hub, "plain"), hubCA, ""), nil, "spec.cluster.server"},
		{"NAME and the extension disagree", execRequest("plain", gatewayapi.ProxyURL(hub, "plain"), hubCA, ""), []string{"edge"}, "spec.cluster.config.clusterName"},
		{"the right server, another CA", execRequest("edge", server, otherCA, ""), nil, "spec.cluster.certificate-authority-data"},
		{"the right server, the system roots", execRequest("edge", server, nil, ""), nil, "is empty"},
		{"verification off", execRequest("edge", server, hubCA, `,"insecure-skip-tls-verify":true`), nil, "spec.cluster.insecure-skip-tls-verify"},
		{"another server name", execRequest("edge", server, hubCA, `,"tls-server-name":"attacker.invalid"`), nil, "spec.cluster.tls-server-name"},
		{"a duplicated server (a parser differential)", strings.Replace(execRequest("edge", server, hubCA, ""), `"server":`, `"server":"https://attacker.invalid:6443","server":`, 1),
			nil, `duplicate field "spec.cluster.server"`},
		{"no cluster information", execRequest("edge", "", nil, ""), []string{"edge"}, "provideClusterInfo"},
		{"by hand", "", []string{"edge"}, "is an exec credential plugin"},
	} {
		stdout, stderr, code := execCredentials(t, plugin, env, attack.info, attack.args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, attack.stderr) || strings.Contains(stderr, token) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1, nothing printed and %q", attack.name, code, stdout, stderr, attack.stderr)
		}
	}
	// The request the ClusterProfile makes, in either version, with or without a trailing
	// slash (the same URL).
	for version, server := range map[string]string{"client.authentication.k8s.io/v1": server, "client.authentication.k8s.io/v1beta1": server + "/"} {
		stdout, stderr, code := execCredentials(t, plugin, env, execRequestVersion(version, "edge", server, hubCA, `,"proxy-url":""`))
		var cred clientauthv1.ExecCredential
		if code != 0 || json.Unmarshal([]byte(stdout), &cred) != nil || cred.Status == nil || cred.Status.Token != token || cred.APIVersion != version {
			t.Errorf("%s request for edge at %s: exit %d, stderr %s", version, server, code, stderr)
		}
	}
}
