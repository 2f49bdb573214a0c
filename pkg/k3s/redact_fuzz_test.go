package k3s

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// secretSuffixes turn any alphanumeric stem into a secret-looking name, in the spellings
// flags, variables and list keys use. The secret word comes last, so no name is a path name.
var secretSuffixes = []string{"-token", "Key", "_SECRET", "-password", "-auth", "apikey", "_credentials"}

// harmlessArgs must come out of RedactArgs unchanged; h is a fuzzed harmless value.
func harmlessArgs(h string) []string {
	return []string{"--node-name", h, "--node-label", "pool=" + h, "--node-taint", "key=" + h + ":NoSchedule",
		"--tls-san=" + h, "--cluster-init", "--write-kubeconfig-mode", "644", "--server", "https://" + h + ":6443",
		"--kubelet-arg", "max-pods=" + h, "--secrets-encryption", "true"}
}

// FuzzRedact checks the redaction's properties: a secret planted under a secret-looking name,
// in every way K3s can record it, never shows; harmless flags and variables pass unchanged;
// the args keep their length; and redacting twice changes nothing, whatever the input.
func FuzzRedact(f *testing.F) {
	f.Add("join", "tskey-auth-k3s", "pool-a")
	f.Add("etcdS3Secret", "wJalrXUtnFEMI/K7MDENG", "10.0.0.1")
	f.Add("", "-leading-dash", "k3s.example.com")
	f.Add("oidcClient", "a=b,c=d", "worker")
	f.Add("x", "true", "n")
	f.Add("datastore", "K10abc::server:pw", "node_1")
	f.Add("--vpn-auth", "name=tailscale,joinKey=x", "K3S_URL=https://u:p@h")
	f.Fuzz(func(t *testing.T, stem, rawSecret, rawHarmless string) {
		secret := "s!" + keep(rawSecret, func(r rune) bool { return !strings.ContainsRune(listSeparators+"/?#@", r) })
		harmless := "h" + keep(rawHarmless, func(r rune) bool { return isAlnum(r) || r == '.' || r == '_' })
		for _, suffix := range secretSuffixes {
			name := keep(stem, isAlnum) + suffix
			args := append(harmlessArgs(harmless),
				"--"+name+"="+secret,
				"--"+name, secret,
				"--kubelet-arg", "a=b,"+name+"="+secret+",c=d",
				"--kube-apiserver-arg="+name+"="+secret,
				"--server", "https://user:"+secret+"@10.0.0.1:6443",
				"--etcd-s3-endpoint", "https://minio/?region=eu&"+name+"="+secret)
			env := map[string]string{name: secret, "K3S_OPTIONS": "a=b," + name + "=" + secret,
				"HTTP_PROXY": "http://user:" + secret + "@proxy:3128", "K3S_NODE_NAME": harmless, "NO_PROXY": harmless + ",localhost"}

			gotArgs, gotEnv := RedactArgs(args), RedactEnv(env)
			if len(gotArgs) != len(args) {
				t.Fatalf("RedactArgs(%q) has %d elements, want %d", args, len(gotArgs), len(args))
			}
			for i, a := range gotArgs {
				if strings.Contains(a, secret) {
					t.Errorf("RedactArgs shows the secret in element %d %q of %q", i, a, gotArgs)
				}
			}
			for k, v := range gotEnv {
				if strings.Contains(v, secret) {
					t.Errorf("RedactEnv shows the secret in %s=%q", k, v)
				}
			}
			if h := harmlessArgs(harmless); !slices.Equal(gotArgs[:len(h)], h) {
				t.Errorf("RedactArgs changed harmless flags:\n got %q\nwant %q", gotArgs[:len(h)], h)
			}
			if gotEnv["K3S_NODE_NAME"] != env["K3S_NODE_NAME"] || gotEnv["NO_PROXY"] != env["NO_PROXY"] {
				t.Errorf("RedactEnv changed harmless variables: %q", gotEnv)
			}
			assertIdempotent(t, args, env)
		}
		// Whatever the input, not only planted secrets.
		raw := []string{stem, rawSecret, "--" + stem, rawSecret, "-" + rawHarmless, rawSecret, rawHarmless}
		if got := RedactArgs(raw); len(got) != len(raw) {
			t.Fatalf("RedactArgs(%q) has %d elements", raw, len(got))
		}
		assertIdempotent(t, raw, map[string]string{stem: rawSecret, rawHarmless: rawSecret})
	})
}

func assertIdempotent(t *testing.T, args []string, env map[string]string) {
	t.Helper()
	once, twice := RedactArgs(args), RedactArgs(RedactArgs(args))
	if !slices.Equal(once, twice) {
		t.Errorf("RedactArgs is not idempotent on %q:\n once %q\ntwice %q", args, once, twice)
	}
	onceEnv, twiceEnv := RedactEnv(env), RedactEnv(RedactEnv(env))
	if !reflect.DeepEqual(onceEnv, twiceEnv) {
		t.Errorf("RedactEnv is not idempotent on %q:\n once %q\ntwice %q", env, onceEnv, twiceEnv)
	}
}

func keep(s string, ok func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if ok(r) {
			return r
		}
		return -1
	}, s)
}

func isAlnum(r rune) bool {
	return r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}
