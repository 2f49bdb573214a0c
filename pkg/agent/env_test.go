package agent_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
)

func fromSecret(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}}
}

func TestParseEnv(t *testing.T) {
	got, err := agent.ParseEnv([]string{"HTTPS_PROXY=http://proxy:3128", "NO_PROXY=", "A=b=c", "http_proxy=proxy:3128", "HOME_URL=https://user@example.com/"},
		[]string{"ALL_PROXY=kimport-agent-env:ALL_PROXY", "DB_PASSWORD=db.creds:pass-word_1"})
	want := []corev1.EnvVar{{Name: "HTTPS_PROXY", Value: "http://proxy:3128"}, {Name: "NO_PROXY"}, {Name: "A", Value: "b=c"},
		{Name: "http_proxy", Value: "proxy:3128"}, {Name: "HOME_URL", Value: "https://user@example.com/"},
		fromSecret("ALL_PROXY", "kimport-agent-env", "ALL_PROXY"), fromSecret("DB_PASSWORD", "db.creds", "pass-word_1")}
	if err != nil || !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("ParseEnv = %v, %v", got, err)
	}
	if got, err := agent.ParseEnv(nil, nil); err != nil || got != nil {
		t.Errorf("ParseEnv(nil, nil) = %v, %v", got, err)
	}
	const fix = "and pass --agent-env-from-secret"
	for _, tc := range []struct {
		plain, secret []string
		want          []string
	}{
		{plain: []string{"HTTPS_PROXY"}, want: []string{`invalid --agent-env "HTTPS_PROXY": want NAME=VALUE`}},
		{plain: []string{"=x"}, want: []string{`invalid --agent-env "": the name`}},
		{plain: []string{"1A=secret-value"}, want: []string{`invalid --agent-env "1A": the name`}},
		{plain: []string{"A B=x"}, want: []string{`invalid --agent-env "A B"`}},
		{plain: []string{"A=1", "A=2"}, want: []string{"--agent-env A: the name is already given by --agent-env: give each name once"}},
		{plain: []string{"A=1"}, secret: []string{"A=s:k"}, want: []string{"--agent-env-from-secret A: the name is already given by --agent-env"}},
		// Secrets are refused as plain values, with the fix.
		{plain: []string{"DB_PASSWORD=secret-value"}, want: []string{"--agent-env DB_PASSWORD: the value of a name like a secret's (PASSWORD) would be stored in plain text", fix + " DB_PASSWORD=kimport-agent-env:DB_PASSWORD"}},
		{plain: []string{"api_token=secret-value"}, want: []string{"(TOKEN)", fix}},
		{plain: []string{"AWS_SECRET_ACCESS_KEY=secret-value"}, want: []string{"(SECRET)", fix}},
		{plain: []string{"HTTPS_PROXY=http://user:secret-value@proxy:3128"}, want: []string{"--agent-env HTTPS_PROXY: a proxy URL with user information (USER:PASSWORD@)", fix + " HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY"}},
		{plain: []string{"https_proxy=user:secret-value@proxy:3128"}, want: []string{"a proxy URL with user information", fix}},
		{plain: []string{"ALL_PROXY=socks5://tokenonly-secret-value@proxy:1080"}, want: []string{"a proxy URL with user information", fix}},
		{plain: []string{"REGISTRY=https://u:secret-value@registry.example"}, want: []string{"a URL with a password", fix}},
		// --agent-env-from-secret names a Secret and a key that can exist.
		{secret: []string{"A"}, want: []string{`invalid --agent-env-from-secret "A": want NAME=SECRET:KEY, e.g. --agent-env-from-secret HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY`}},
		{secret: []string{"A=s"}, want: []string{`want NAME=SECRET:KEY`}},
		{secret: []string{"1A=s:k"}, want: []string{`invalid --agent-env-from-secret "1A": the name`}},
		{secret: []string{"A=Bad_Secret:k"}, want: []string{`invalid --agent-env-from-secret A: the Secret name "Bad_Secret"`}},
		{secret: []string{"A=s:"}, want: []string{`invalid --agent-env-from-secret A: the key "" of Secret s`}},
		{secret: []string{"A=s:a/b"}, want: []string{`the key "a/b" of Secret s`}},
	} {
		_, err := agent.ParseEnv(tc.plain, tc.secret)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("ParseEnv(%q, %q) = %v, want %q", tc.plain, tc.secret, err, w)
			}
		}
		if err != nil && strings.Contains(err.Error(), "secret-value") {
			t.Errorf("ParseEnv(%q) shows the value: %v", tc.plain, err)
		}
	}
}

// The agent's Deployment references the Secret: the manifest (what --dry-run prints) holds
// no value.
func TestDeploymentEnvFromSecret(t *testing.T) {
	env, err := agent.ParseEnv([]string{"NO_PROXY=10.0.0.0/8"}, []string{"HTTPS_PROXY=kimport-agent-env:HTTPS_PROXY"})
	if err != nil {
		t.Fatal(err)
	}
	d := agent.Deployment(agent.DeploymentOptions{Cluster: "edge", Image: "img", Env: env})
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.EqualFunc(c.Env, env, func(a, b corev1.EnvVar) bool { return equality.Semantic.DeepEqual(a, b) }) {
		t.Fatalf("env %+v", c.Env)
	}
	ref := c.Env[1].ValueFrom.SecretKeyRef
	if c.Env[1].Value != "" || ref.Name != "kimport-agent-env" || ref.Key != "HTTPS_PROXY" || ref.Optional != nil {
		t.Errorf("HTTPS_PROXY %+v", c.Env[1])
	}
	out, err := yaml.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back appsv1.Deployment
	if err := yaml.UnmarshalStrict(out, &back); err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(back.Spec.Template.Spec.Containers[0].Env, env) || !strings.Contains(string(out), "secretKeyRef:") {
		t.Errorf("manifest:\n%s", out)
	}
}
