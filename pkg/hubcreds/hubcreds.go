// Package hubcreds stores and reads the credentials the hub keeps for a downstream cluster:
// endpoint, CA and agent token, in a Secret in kimport-system. The CA is always verified.
package hubcreds

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Keys of the credentials Secret.
const (
	KeyServer = "server"
	KeyCA     = "ca.crt"
	KeyToken  = "token"
)

// Credentials reach one downstream API server as the agent.
type Credentials struct {
	Server string
	CAData []byte
	Token  string
}

// String never shows the token.
func (c Credentials) String() string { return fmt.Sprintf("server=%s token=<redacted>", c.Server) }

// Secret is the hub Secret that stores c for cluster.
func Secret(cluster string, c Credentials) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: v1alpha1.CredentialsSecretName(cluster), Namespace: v1alpha1.HubNamespace,
			Labels: v1alpha1.ImportLabels(cluster),
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{KeyServer: []byte(c.Server), KeyCA: c.CAData, KeyToken: []byte(c.Token)},
	}
}

// FromSecret reads the credentials of a cluster whose spec.apiServer is apiServer, naming
// what is missing or wrong. They are refused unless they reach exactly apiServer over https
// with a CA to pin: whoever could write the Secret must not be able to make the hub send
// the token to another server.
func FromSecret(s *corev1.Secret, apiServer string) (Credentials, error) {
	c := Credentials{Server: string(s.Data[KeyServer]), CAData: s.Data[KeyCA], Token: string(s.Data[KeyToken])}
	for _, key := range []string{KeyServer, KeyCA, KeyToken} {
		if len(s.Data[key]) == 0 {
			return c, fmt.Errorf("credentials Secret %s/%s has no %q", s.Namespace, s.Name, key)
		}
	}
	if u, err := url.Parse(c.Server); err != nil || u.Scheme != "https" || u.Host == "" {
		return c, fmt.Errorf("credentials Secret %s/%s: %q is not an https:// URL with a host; the hub reaches downstreams over verified TLS only", s.Namespace, s.Name, KeyServer)
	}
	if strings.TrimSuffix(c.Server, "/") != strings.TrimSuffix(apiServer, "/") {
		return c, fmt.Errorf("credentials Secret %s/%s names server %s but spec.apiServer is %q: refusing to send the token anywhere but spec.apiServer; re-run the import to repair the credentials",
			s.Namespace, s.Name, c.Server, apiServer)
	}
	if block, _ := pem.Decode(c.CAData); block == nil {
		return c, fmt.Errorf("credentials Secret %s/%s: %q is not a PEM certificate", s.Namespace, s.Name, KeyCA)
	} else if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return c, fmt.Errorf("credentials Secret %s/%s: %q: %v", s.Namespace, s.Name, KeyCA, err)
	}
	return c, nil
}

// Claims are the parts of a service account token (a JWT) that say whose it is and how
// long it lives.
type Claims struct {
	Subject   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// UnverifiedClaims reads a JWT's subject and lifetime without verifying it: the API server
// does that. They serve only to schedule renewal and to explain a refusal. ok is false for a
// token that is not a JWT; IssuedAt or ExpiresAt are zero when the token lacks them (legacy
// service account tokens never expire).
func UnverifiedClaims(token string) (c Claims, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, false
	}
	var raw struct {
		Sub string `json:"sub"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}
	if json.Unmarshal(payload, &raw) != nil {
		return c, false
	}
	c.Subject = raw.Sub
	if raw.Iat > 0 {
		c.IssuedAt = time.Unix(raw.Iat, 0)
	}
	if raw.Exp > 0 {
		c.ExpiresAt = time.Unix(raw.Exp, 0)
	}
	return c, true
}

// Renewable says whether a token is due for renewal at now: a legacy token (no expiry) or
// not a JWT always is; a bound one once less than renewBefore of its life is left.
func Renewable(token string, now time.Time, renewBefore time.Duration) bool {
	c, ok := UnverifiedClaims(token)
	return !ok || c.ExpiresAt.IsZero() || c.ExpiresAt.Sub(now) < renewBefore
}
