package credentials

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

// jwt is an unsigned JWT expiring at exp: the shape of a ServiceAccount token.
func jwt(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims, _ := json.Marshal(map[string]any{"sub": "system:serviceaccount:consumers:reader", "exp": exp.Unix()})
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(claims) + ".c2ln"
}

// execPlugin writes an exec credential plugin printing status (JSON) and returns its config.
func execPlugin(t *testing.T, status string) *clientcmdapi.ExecConfig {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plugin.sh")
	script := "#!/bin/sh\ncat <<'EOF'\n" + `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":` + status + "}\nEOF\n"
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: path, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
}

// TestHubCredential: whatever the hub configuration authenticates with, the ExecCredential
// carries it as client-go would send it; what an ExecCredential cannot carry is refused.
func TestHubCredential(t *testing.T) {
	dir := t.TempDir()
	ca, err := testenv.NewCA("hub")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue("alice")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, tokenFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"), filepath.Join(dir, "token")
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	for path, data := range map[string][]byte{certFile: certPEM, keyFile: keyPEM, tokenFile: []byte(jwt(exp) + "\n")} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	certJSON, _ := json.Marshal(map[string]string{"clientCertificateData": string(certPEM), "clientKeyData": string(keyPEM)})
	host := "https://hub.example:6443"
	for _, tc := range []struct {
		name      string
		cfg       rest.Config
		token     string
		cert      bool
		expiresAt time.Time
		err       string
	}{
		{name: "a token", cfg: rest.Config{BearerToken: "abc"}, token: "abc"},
		// A pod's ServiceAccount (rest.InClusterConfig names the file), read afresh.
		{name: "a token file", cfg: rest.Config{BearerTokenFile: tokenFile}, token: jwt(exp), expiresAt: exp},
		{name: "a client certificate", cfg: rest.Config{TLSClientConfig: rest.TLSClientConfig{CertData: certPEM, KeyData: keyPEM}}, cert: true, expiresAt: leaf.NotAfter},
		{name: "client certificate files", cfg: rest.Config{TLSClientConfig: rest.TLSClientConfig{CertFile: certFile, KeyFile: keyFile}}, cert: true, expiresAt: leaf.NotAfter},
		{name: "an exec plugin's token", cfg: rest.Config{ExecProvider: execPlugin(t, `{"token":"from-exec"}`)}, token: "from-exec"},
		{name: "an exec plugin's certificate", cfg: rest.Config{ExecProvider: execPlugin(t, string(certJSON))}, cert: true, expiresAt: leaf.NotAfter},
		{name: "impersonation", cfg: rest.Config{BearerToken: "abc", Impersonate: rest.ImpersonationConfig{UserName: "admin"}}, err: "impersonates another user"},
		{name: "basic auth", cfg: rest.Config{Username: "u", Password: "p"}, err: "username and password"},
		{name: "anonymous", cfg: rest.Config{}, err: "has no credential"},
		{name: "an exec plugin that fails", cfg: rest.Config{ExecProvider: &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1",
			Command: filepath.Join(dir, "missing"), InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}, err: "getting the hub credential"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Host = host
			got, err := hubCredential(&cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != tc.token {
				t.Errorf("token %q, want %q", got.Token, tc.token)
			}
			if tc.cert != (got.ClientCertificateData == string(certPEM) && got.ClientKeyData != "") {
				t.Errorf("client certificate %q (key %d bytes), want one: %v", got.ClientCertificateData, len(got.ClientKeyData), tc.cert)
			}
			if tc.cert && got.ClientKeyData != string(keyPEM) {
				// From an exec plugin the key is re-encoded: it must be the same key.
				if _, err := tls.X509KeyPair([]byte(got.ClientCertificateData), []byte(got.ClientKeyData)); err != nil {
					t.Errorf("certificate and key do not pair: %v", err)
				}
			}
			switch {
			case tc.expiresAt.IsZero() && got.ExpirationTimestamp != nil:
				t.Errorf("expires %v, want no expiry", got.ExpirationTimestamp)
			case !tc.expiresAt.IsZero() && (got.ExpirationTimestamp == nil || !got.ExpirationTimestamp.Time.Equal(tc.expiresAt)):
				t.Errorf("expires %v, want %v", got.ExpirationTimestamp, tc.expiresAt)
			}
		})
	}
}
