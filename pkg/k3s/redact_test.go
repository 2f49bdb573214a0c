package k3s

import (
	"reflect"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	in := []string{"server", "--token", "K10abc::server:s3cr3t", "--datastore-endpoint=postgres://u:p4ss@db:5432/k3s",
		"--etcd-s3-secret-key", "AKIAxyz", "--my-api-password=hunter2", "-t", "short-tok", "--node-label", "pool=a",
		"--kube-apiserver-arg", "oidc-client-secret=oidcvalue", "--server", "https://admin:pw@10.0.0.1:6443",
		"--write-kubeconfig-mode", "644", "--agent-token", "********", "--cluster-init"}
	want := []string{"server", "--token", Mask, "--datastore-endpoint=" + Mask,
		"--etcd-s3-secret-key", Mask, "--my-api-password=" + Mask, "-t", Mask, "--node-label", "pool=a",
		"--kube-apiserver-arg", "oidc-client-secret=" + Mask, "--server", "https://" + Mask + "@10.0.0.1:6443",
		"--write-kubeconfig-mode", "644", "--agent-token", Mask, "--cluster-init"}
	if got := RedactArgs(in); !reflect.DeepEqual(got, want) {
		t.Errorf("RedactArgs:\n got %q\nwant %q", got, want)
	}
}

func TestRedactEnv(t *testing.T) {
	in := map[string]string{"K3S_TOKEN": "abc", "MY_PASSWORD": "x", "K3S_DATASTORE_ENDPOINT": "mysql://u:p@h/db",
		"AWS_SECRET_ACCESS_KEY": "k", "K3S_URL": "https://10.0.0.1:6443", "HTTP_PROXY": "http://bob:pw@proxy:3128",
		"K3S_KUBECONFIG_MODE": "644", "SOME_CREDENTIALS": "c"}
	want := map[string]string{"K3S_TOKEN": Mask, "MY_PASSWORD": Mask, "K3S_DATASTORE_ENDPOINT": Mask,
		"AWS_SECRET_ACCESS_KEY": Mask, "K3S_URL": "https://10.0.0.1:6443", "HTTP_PROXY": "http://" + Mask + "@proxy:3128",
		"K3S_KUBECONFIG_MODE": "644", "SOME_CREDENTIALS": Mask}
	if got := RedactEnv(in); !reflect.DeepEqual(got, want) {
		t.Errorf("RedactEnv:\n got %v\nwant %v", got, want)
	}
}
