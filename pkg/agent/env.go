package agent

import (
	"fmt"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The agent's environment: --agent-env NAME=VALUE is stored in plain text in the agent's
// Deployment (and printed by --dry-run), so it carries no secret; --agent-env-from-secret
// NAME=SECRET:KEY references a key of a Secret in cattle-system, which the kubelet reads when it
// starts the agent: neither the plugin nor the agent reads the value.

// secretMarkers make a variable name look like a secret's: a value for such a name is refused
// in --agent-env.
var secretMarkers = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"}

// Examples in messages.
const (
	envExample       = "--agent-env HTTPS_PROXY=http://proxy.example:3128"
	fromSecretFormat = "NAME=SECRET:KEY"
	secretExample    = "kimport-agent-env"
)

// ParseEnv parses repeated --agent-env NAME=VALUE and --agent-env-from-secret
// NAME=SECRET:KEY into the agent's environment: the plain values in order, then the Secret
// references in order. A name is given once across both. A value is never repeated in an
// error: it may be a credential. Refused in --agent-env: a name that looks like a secret's
// (secretMarkers), a proxy URL with user information and any URL with a password; the error
// says how to pass them through a Secret instead.
func ParseEnv(plain, fromSecret []string) ([]corev1.EnvVar, error) {
	var env []corev1.EnvVar
	seen := map[string]string{}
	name := func(flag, name string) error {
		if errs := validation.IsEnvVarName(name); len(errs) > 0 {
			return fmt.Errorf("invalid %s %q: the name %s; give a name such as HTTPS_PROXY", flag, shownName(name), strings.Join(errs, "; "))
		}
		if other, ok := seen[name]; ok {
			return fmt.Errorf("%s %s: the name is already given by %s: give each name once", flag, name, other)
		}
		seen[name] = flag
		return nil
	}
	for _, v := range plain {
		n, value, ok := strings.Cut(v, "=")
		if !ok {
			return nil, fmt.Errorf("invalid --agent-env %q: want NAME=VALUE, e.g. %s", shownName(n), envExample)
		}
		if err := name("--agent-env", n); err != nil {
			return nil, err
		}
		if err := plainValue(n, value); err != nil {
			return nil, err
		}
		env = append(env, corev1.EnvVar{Name: n, Value: value})
	}
	for _, v := range fromSecret {
		n, ref, ok := strings.Cut(v, "=")
		secret, key, ok2 := strings.Cut(ref, ":")
		if !ok || !ok2 {
			return nil, fmt.Errorf("invalid --agent-env-from-secret %q: want %s, e.g. --agent-env-from-secret HTTPS_PROXY=%s:HTTPS_PROXY (a key of Secret %s in %s)",
				shownName(v), fromSecretFormat, secretExample, secretExample, v1alpha1.AgentNamespace)
		}
		if err := name("--agent-env-from-secret", n); err != nil {
			return nil, err
		}
		if errs := validation.IsDNS1123Subdomain(secret); len(errs) > 0 {
			return nil, fmt.Errorf("invalid --agent-env-from-secret %s: the Secret name %q: %s", n, shownName(secret), strings.Join(errs, "; "))
		}
		if errs := validation.IsConfigMapKey(key); len(errs) > 0 {
			return nil, fmt.Errorf("invalid --agent-env-from-secret %s: the key %q of Secret %s: %s", n, shownName(key), secret, strings.Join(errs, "; "))
		}
		env = append(env, corev1.EnvVar{Name: n, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}})
	}
	return env, nil
}

// plainValue refuses a secret in --agent-env NAME=VALUE, saying how to pass it instead.
func plainValue(name, value string) error {
	instead := func(what string) error {
		return fmt.Errorf("--agent-env %s: %s would be stored in plain text in the agent's Deployment and printed by --dry-run: put it in a Secret in %s "+
			"(kubectl -n %s create secret generic %s --from-literal=%s=...) and pass --agent-env-from-secret %s=%s:%s instead",
			name, what, v1alpha1.AgentNamespace, v1alpha1.AgentNamespace, secretExample, name, name, secretExample, name)
	}
	upper := strings.ToUpper(name)
	for _, m := range secretMarkers {
		if strings.Contains(upper, m) {
			return instead("the value of a name like a secret's (" + m + ")")
		}
	}
	if strings.HasSuffix(upper, "_PROXY") && upper != "NO_PROXY" {
		// Go and curl read a proxy without scheme as http://.
		u, err := url.Parse(value)
		if err != nil || !strings.Contains(value, "://") {
			u, err = url.Parse("http://" + value)
		}
		if err == nil && u.User != nil {
			return instead("a proxy URL with user information (USER:PASSWORD@)")
		}
		return nil
	}
	if strings.Contains(value, "://") {
		if u, err := url.Parse(value); err == nil && u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				return instead("a URL with a password (USER:PASSWORD@)")
			}
		}
	}
	return nil
}
