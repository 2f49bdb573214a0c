// Package hubcreds stores and reads the credentials the hub keeps for a downstream cluster:
// endpoint, CA and agent token, in a Secret in kimport-system. The CA is always verified.
package hubcreds

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

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
			Labels: map[string]string{v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue, v1alpha1.ClusterLabel: cluster},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{KeyServer: []byte(c.Server), KeyCA: c.CAData, KeyToken: []byte(c.Token)},
	}
}

// FromSecret reads credentials, naming what is missing.
func FromSecret(s *corev1.Secret) (Credentials, error) {
	c := Credentials{Server: string(s.Data[KeyServer]), CAData: s.Data[KeyCA], Token: string(s.Data[KeyToken])}
	for key, empty := range map[string]bool{KeyServer: c.Server == "", KeyCA: len(c.CAData) == 0, KeyToken: c.Token == ""} {
		if empty {
			return c, fmt.Errorf("credentials Secret %s/%s has no %q", s.Namespace, s.Name, key)
		}
	}
	if block, _ := pem.Decode(c.CAData); block == nil {
		return c, fmt.Errorf("credentials Secret %s/%s: %q is not a PEM certificate", s.Namespace, s.Name, KeyCA)
	} else if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return c, fmt.Errorf("credentials Secret %s/%s: %q: %v", s.Namespace, s.Name, KeyCA, err)
	}
	return c, nil
}

// RESTConfig reaches the downstream with the CA pinned; there is no insecure mode.
func (c Credentials) RESTConfig(timeout time.Duration) *rest.Config {
	return &rest.Config{
		Host:            c.Server,
		BearerToken:     c.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAData},
		Timeout:         timeout,
		QPS:             50,
		Burst:           100,
		UserAgent:       "kimport-reconciler",
	}
}
