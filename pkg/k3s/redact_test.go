package k3s

import (
	"reflect"
	"testing"
)

// k10Token is a K3s secure token: K10<sha256 of the CA>::<user>:<password>.
const k10Token = "K10c2d1f8a4b0e7d6c5b4a39281706f5e4d3c2b1a0918273645546372819a0b1c2d::server:s3cr3t-pw"

// TestRedactArgs covers K3s's documented server and agent flags (k3s server --help, k3s
// agent --help), each as K3s writes it to k3s.io/node-args: --flag=value from the command
// line or the config file becomes two elements, but --flag=value may be one element too.
func TestRedactArgs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in, out []string
	}{
		{"subcommand", []string{"server"}, []string{"server"}},
		{"--token, K3s secure format", []string{"server", "--token", k10Token}, []string{"server", "--token", Mask}},
		{"--token inline", []string{"--token=short-token"}, []string{"--token=" + Mask}},
		{"-t", []string{"agent", "-t", "short-tok"}, []string{"agent", "-t", Mask}},
		{"--token already masked by K3s", []string{"--token", Mask}, []string{"--token", Mask}},
		{"--token starting with a dash", []string{"--token", "-Xy9_random"}, []string{"--token", Mask}},
		{"--token-file: a path is not the secret", []string{"--token-file", "/etc/rancher/k3s/token"}, []string{"--token-file", "/etc/rancher/k3s/token"}},
		{"--token-file holding a token instead of a path", []string{"--token-file", "K10abc::server:pw"}, []string{"--token-file", Mask}},
		{"--agent-token", []string{"--agent-token", "agent-s3cr3t"}, []string{"--agent-token", Mask}},
		{"--agent-token-file", []string{"--agent-token-file=/var/lib/rancher/agent-token"}, []string{"--agent-token-file=/var/lib/rancher/agent-token"}},
		{"--cluster-secret (legacy)", []string{"--cluster-secret", "legacy-s3cr3t"}, []string{"--cluster-secret", Mask}},
		{"--datastore-endpoint with userinfo", []string{"--datastore-endpoint", "postgres://k3s:pg-pw@db:5432/k3s?sslmode=disable"}, []string{"--datastore-endpoint", Mask}},
		{"--datastore-endpoint with a query password", []string{"--datastore-endpoint=postgres://db:5432/k3s?sslmode=require&password=q-pw"}, []string{"--datastore-endpoint=" + Mask}},
		{"--datastore-endpoint MySQL DSN", []string{"--datastore-endpoint", "mysql://k3s:my-pw@tcp(db:3306)/k3s"}, []string{"--datastore-endpoint", Mask}},
		{"--datastore-cafile, -certfile, -keyfile are paths",
			[]string{"--datastore-cafile", "/etc/k3s/ca.pem", "--datastore-certfile", "/etc/k3s/client.pem", "--datastore-keyfile", "/etc/k3s/client-key.pem"},
			[]string{"--datastore-cafile", "/etc/k3s/ca.pem", "--datastore-certfile", "/etc/k3s/client.pem", "--datastore-keyfile", "/etc/k3s/client-key.pem"}},
		{"--datastore-keyfile holding a key instead of a path", []string{"--datastore-keyfile", "-----BEGIN"}, []string{"--datastore-keyfile", Mask}},
		{"--etcd-s3-access-key, -secret-key, -session-token",
			[]string{"--etcd-s3", "--etcd-s3-access-key", "AKIAEXAMPLE", "--etcd-s3-secret-key=wJalrXUtnFEMI/K7MDENG", "--etcd-s3-session-token", "FwoGZXIvYXdzE"},
			[]string{"--etcd-s3", "--etcd-s3-access-key", Mask, "--etcd-s3-secret-key=" + Mask, "--etcd-s3-session-token", Mask}},
		{"--etcd-s3-endpoint with query secrets",
			[]string{"--etcd-s3-endpoint", "https://minio:9000/?X-Amz-Security-Token=sts-tok&region=eu&secret=q-s3cr3t"},
			[]string{"--etcd-s3-endpoint", "https://minio:9000/?X-Amz-Security-Token=" + Mask + "&region=eu&secret=" + Mask}},
		{"--etcd-s3-config-secret names a Secret: masked, a false positive",
			[]string{"--etcd-s3-config-secret", "k3s-etcd-snapshot-s3-config"}, []string{"--etcd-s3-config-secret", Mask}},
		{"--server", []string{"--server", "https://10.0.0.1:6443"}, []string{"--server", "https://10.0.0.1:6443"}},
		{"--server with userinfo", []string{"--server=https://admin:p@ss@10.0.0.1:6443/"}, []string{"--server=https://" + Mask + "@10.0.0.1:6443/"}},
		{"--kube-apiserver-arg oidc-client-secret", []string{"--kube-apiserver-arg", "oidc-client-secret=oidc-s3cr3t"}, []string{"--kube-apiserver-arg", "oidc-client-secret=" + Mask}},
		{"--kube-apiserver-arg inline", []string{"--kube-apiserver-arg=oidc-client-secret=oidc-s3cr3t"}, []string{"--kube-apiserver-arg=oidc-client-secret=" + Mask}},
		{"--kube-apiserver-arg harmless values",
			[]string{"--kube-apiserver-arg", "oidc-client-id=k3s", "--kube-apiserver-arg", "authorization-mode=Node,RBAC", "--kube-apiserver-arg=anonymous-auth=false",
				"--kube-apiserver-arg", "service-account-key-file=/var/lib/rancher/k3s/server/tls/service.key"},
			[]string{"--kube-apiserver-arg", "oidc-client-id=k3s", "--kube-apiserver-arg", "authorization-mode=Node,RBAC", "--kube-apiserver-arg=anonymous-auth=false",
				"--kube-apiserver-arg", "service-account-key-file=/var/lib/rancher/k3s/server/tls/service.key"}},
		{"--kube-apiserver-arg: a token's expiration is masked, a false positive",
			[]string{"--kube-apiserver-arg", "service-account-max-token-expiration=48h"}, []string{"--kube-apiserver-arg", "service-account-max-token-expiration=" + Mask}},
		{"--kubelet-arg taints and feature gates",
			[]string{"--kubelet-arg", "register-with-taints=key=value:NoSchedule", "--kubelet-arg=feature-gates=ServiceAccountTokenJTI=true,Foo=false"},
			[]string{"--kubelet-arg", "register-with-taints=key=value:NoSchedule", "--kubelet-arg=feature-gates=ServiceAccountTokenJTI=true,Foo=false"}},
		{"--etcd-arg", []string{"--etcd-arg", "client-cert-auth=true", "--etcd-arg=peer-key-file=/etc/etcd/peer.key", "--etcd-arg", "initial-cluster-token=etcd-s3cr3t"},
			[]string{"--etcd-arg", "client-cert-auth=true", "--etcd-arg=peer-key-file=/etc/etcd/peer.key", "--etcd-arg", "initial-cluster-token=" + Mask}},
		{"--node-label and --node-taint are public",
			[]string{"--node-label", "pool=a", "--node-label=key=blue", "--node-taint", "key=value:NoSchedule", "--node-taint=dedicated=gpu:NoExecute"},
			[]string{"--node-label", "pool=a", "--node-label=key=blue", "--node-taint", "key=value:NoSchedule", "--node-taint=dedicated=gpu:NoExecute"}},
		{"harmless flags",
			[]string{"server", "--tls-san", "k3s.example.com", "--flannel-backend=wireguard-native", "--write-kubeconfig-mode", "644", "--private-registry",
				"/etc/rancher/k3s/registries.yaml", "--bind-address", "0.0.0.0", "--cluster-init", "--disable", "traefik,servicelb"},
			[]string{"server", "--tls-san", "k3s.example.com", "--flannel-backend=wireguard-native", "--write-kubeconfig-mode", "644", "--private-registry",
				"/etc/rancher/k3s/registries.yaml", "--bind-address", "0.0.0.0", "--cluster-init", "--disable", "traefik,servicelb"}},
		{"--secrets-encryption: a boolean shows",
			[]string{"--secrets-encryption", "--secrets-encryption", "true", "--secrets-encryption-provider", "secretbox"},
			[]string{"--secrets-encryption", "--secrets-encryption", "true", "--secrets-encryption-provider", Mask}},
		{"a secret-looking boolean before -t", []string{"--secrets-encryption", "-t", "tok"}, []string{"--secrets-encryption", "-t", Mask}},
		{"a stray element after a wrong pairing is masked", []string{"server", "--secrets-encryption", "-token", "tok"}, []string{"server", "--secrets-encryption", Mask, Mask}},
		{"attack: --vpn-auth", []string{"agent", "--vpn-auth", "name=tailscale,joinKey=tskey-auth-s3cr3t"}, []string{"agent", "--vpn-auth", Mask}},
		{"attack: --vpn-auth inline",
			[]string{"--vpn-auth=name=tailscale,joinKey=tskey-auth-s3cr3t,controlServerURL=https://headscale.example.com,extraArgs=--accept-dns=false"},
			[]string{"--vpn-auth=" + Mask}},
		{"attack: the same list under a name that does not look secret",
			[]string{"--vpn-provider", "name=tailscale,joinKey=tskey-auth-s3cr3t,controlServerURL=https://headscale.example.com"},
			[]string{"--vpn-provider", "name=tailscale,joinKey=" + Mask + ",controlServerURL=https://headscale.example.com"}},
		{"attack: nested after --kubelet-arg", []string{"--kubelet-arg", "provider=name=tailscale,joinKey=tskey,a=1"}, []string{"--kubelet-arg", "provider=name=tailscale,joinKey=" + Mask + ",a=1"}},
		{"--vpn-auth-file", []string{"--vpn-auth-file", "/etc/rancher/k3s/vpn-auth"}, []string{"--vpn-auth-file", "/etc/rancher/k3s/vpn-auth"}},
		{"list keys by words: s3-secret-key, client_secret, apiKey, APIKey",
			[]string{"--kubelet-arg", "a=1,s3-secret-key=k1,client_secret=k2,apiKey=k3,APIKey=k4,keyring=/etc/keyring"},
			[]string{"--kubelet-arg", "a=1,s3-secret-key=" + Mask + ",client_secret=" + Mask + ",apiKey=" + Mask + ",APIKey=" + Mask + ",keyring=/etc/keyring"}},
		{"a K3s token under a harmless name", []string{"--kubelet-arg=note=" + k10Token + ",x=1"}, []string{"--kubelet-arg=note=" + Mask + ",x=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RedactArgs(tc.in); !reflect.DeepEqual(got, tc.out) {
				t.Errorf("RedactArgs(%q)\n got %q\nwant %q", tc.in, got, tc.out)
			}
		})
	}
}

// TestRedactEnv covers the variables K3s writes to k3s.io/node-env (K3S_*) and proxy ones.
func TestRedactEnv(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"K3S_TOKEN", k10Token, Mask},
		{"K3S_TOKEN_FILE", "/etc/rancher/k3s/token", "/etc/rancher/k3s/token"},
		{"K3S_AGENT_TOKEN", "agent-s3cr3t", Mask},
		{"K3S_AGENT_TOKEN_FILE", "token-in-place-of-path", Mask},
		{"K3S_DATASTORE_ENDPOINT", "postgres://k3s:pg-pw@db/k3s", Mask},
		{"K3S_DATASTORE_CAFILE", "/etc/k3s/ca.pem", "/etc/k3s/ca.pem"},
		{"K3S_CLUSTER_SECRET", "legacy-s3cr3t", Mask},
		{"K3S_URL", "https://10.0.0.1:6443", "https://10.0.0.1:6443"},
		{"K3S_URL", "https://admin:pw@10.0.0.1:6443", "https://" + Mask + "@10.0.0.1:6443"},
		{"K3S_VPN_AUTH", "name=tailscale,joinKey=tskey-auth-s3cr3t", Mask},
		{"K3S_VPN_AUTH_FILE", "/etc/rancher/k3s/vpn-auth", "/etc/rancher/k3s/vpn-auth"},
		{"K3S_VPN_PROVIDER", "name=tailscale,joinKey=tskey-auth-s3cr3t", "name=tailscale,joinKey=" + Mask},
		{"K3S_KUBECONFIG_MODE", "644", "644"},
		{"K3S_NODE_NAME", "k3s-server-1", "k3s-server-1"},
		{"K3S_SELINUX", "true", "true"},
		{"HTTP_PROXY", "http://bob:pw@proxy:3128", "http://" + Mask + "@proxy:3128"},
		{"HTTPS_PROXY", "bob:pw@proxy:3128", Mask + "@proxy:3128"},
		{"NO_PROXY", "127.0.0.0/8,10.0.0.0/8,.svc,.cluster.local", "127.0.0.0/8,10.0.0.0/8,.svc,.cluster.local"},
		{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", Mask},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", Mask},
		{"AWS_SESSION_TOKEN", "FwoGZXIvYXdzE", Mask},
		{"PG_CONN", "host=db user=k3s password=pg-pw sslmode=disable", "host=db user=k3s password=" + Mask + " sslmode=disable"},
		{"K3S_NODE_LABEL", "key=blue", "key=blue"},
	} {
		got := RedactEnv(map[string]string{tc.name: tc.value})
		if !reflect.DeepEqual(got, map[string]string{tc.name: tc.want}) {
			t.Errorf("RedactEnv(%s=%q) = %q, want %q", tc.name, tc.value, got[tc.name], tc.want)
		}
	}
}

// TestSecretName pins the name rule, its chosen false positives and its path names.
func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"--token": true, "-t": true, "--t": true, "-s": false, "t": false,
		"--agent-token": true, "K3S_TOKEN": true, "--token-file": true,
		"--datastore-endpoint": true, "K3S_DATASTORE_ENDPOINT": true, "dsn": true, "--etcd-s3-endpoint": false,
		"--etcd-s3-secret-key": true, "s3-secret-key": true, "--etcd-s3-access-key": true, "--etcd-s3-session-token": true,
		"joinKey": true, "JOINKEY": true, "apiKey": true, "APIKey": true, "client_secret": true, "clientSecret": true,
		"sslpassword": true, "passwd": true, "DB_PASS": true, "PWD": true, "passphrase": true, "--vpn-auth": true, "oauth": true,
		"AWS_SHARED_CREDENTIALS_FILE": true, "creds": true, "--datastore-keyfile": true, "cert-key": true, "private_key": true,
		// Harmless: the secret words count only as a word's end, and labels and taints are public.
		"--node-taint": false, "--node-label": false, "keyring": false, "authorization-mode": false, "passthrough": false,
		"--tls-san": false, "--server": false, "K3S_URL": false, "--datastore-cafile": false, "--datastore-certfile": false,
		"--private-registry": false, "--write-kubeconfig-mode": false, "--flannel-backend": false, "K3S_SELINUX": false,
		// Accepted false positives: masking them hides nothing secret, missing a secret would.
		"--secrets-encryption": true, "--etcd-s3-config-secret": true, "ssh-public-key": true, "proxy-bypass": true,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestNameWords(t *testing.T) {
	for name, want := range map[string][]string{
		"--etcd-s3-secret-key": {"etcd", "s3", "secret", "key"},
		"K3S_AGENT_TOKEN":      {"k3s", "agent", "token"},
		"joinKey":              {"join", "key"},
		"APIKey":               {"api", "key"},
		"s3SecretKey":          {"s3", "secret", "key"},
		"--datastore-keyfile":  {"datastore", "key", "file"},
		"controlServerURL":     {"control", "server", "url"},
	} {
		if got := nameWords(name); !reflect.DeepEqual(got, want) {
			t.Errorf("nameWords(%q) = %q, want %q", name, got, want)
		}
	}
}
