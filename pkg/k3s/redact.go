package k3s

import (
	"regexp"
	"strings"
)

// Mask replaces a secret value, as K3s itself writes it.
const Mask = "********"

// secretWords make a flag or variable name look secret. K3s redacts only a fixed list
// (--token, --agent-token, --datastore-endpoint, --etcd-s3-secret-key, K3S_TOKEN, …); this
// list also covers flags it does not know, such as an OIDC client secret passed through
// --kube-apiserver-arg, or an older K3s that did not redact at all.
var secretWords = []string{"token", "secret", "password", "passwd", "key", "credential", "datastore-endpoint"}

// SecretName says whether a flag or environment variable name looks secret. Case, leading
// dashes and '_' versus '-' do not matter: K3S_DATASTORE_ENDPOINT and --datastore-endpoint
// are both secret.
func SecretName(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimLeft(name, "-")), "_", "-")
	if n == "t" { // -t is K3s's short form of --token
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactArgs returns a copy of K3s launch arguments with every secret value masked: the
// element after a secret-looking flag, the value of --flag=value when flag looks secret,
// the value of name=value elements (e.g. --kube-apiserver-arg oidc-client-secret=x) whose
// name looks secret, and passwords in URLs.
func RedactArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			out = append(out, redactValue(a))
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		switch {
		case SecretName(name) && hasValue:
			out = append(out, name+"="+Mask)
		case SecretName(name) && i+1 < len(args):
			out = append(out, a, Mask)
			i++ // the next element is the flag's value
		case hasValue:
			out = append(out, name+"="+redactValue(value))
		default:
			out = append(out, a)
		}
	}
	return out
}

// RedactEnv returns a copy of the K3s environment with the values of secret-looking
// variables masked, and passwords in other values' URLs.
func RedactEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		if SecretName(k) {
			out[k] = Mask
		} else {
			out[k] = redactValue(v)
		}
	}
	return out
}

// urlUserinfo matches the user[:password]@ part of a URL.
var urlUserinfo = regexp.MustCompile(`://[^/@\s]*@`)

// redactValue masks a secret inside a value that is not itself known to be secret.
func redactValue(v string) string {
	if name, _, ok := strings.Cut(v, "="); ok && name != "" && SecretName(name) {
		return name + "=" + Mask
	}
	return urlUserinfo.ReplaceAllString(v, "://"+Mask+"@")
}
