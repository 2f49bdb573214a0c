package testenv

import (
	"crypto/tls"
	"os"
	"path/filepath"
)

// FrontProxy is the hub API server's aggregation layer, as every real cluster has it: the
// requestheader CA that aggregated API servers trust, and the client certificate the API
// server presents to them with the caller in X-Remote-User/Group/Extra headers.
type FrontProxy struct {
	// CA signs the front proxy's client certificate; aggregated API servers read it from
	// kube-system/extension-apiserver-authentication.
	CA *CA
	// ClientName is the client certificate's common name, the one allowed name.
	ClientName string
	// Client is the front proxy's client certificate: a test that holds it can call an
	// aggregated API server as the hub API server does (to try what only the hub could send).
	Client tls.Certificate
}

// The front proxy's header names, as kubeadm configures them.
const (
	FrontProxyUserHeader        = "X-Remote-User"
	FrontProxyGroupHeader       = "X-Remote-Group"
	FrontProxyExtraHeaderPrefix = "X-Remote-Extra-"
	frontProxyClientName        = "front-proxy-client"
)

// frontProxy writes the front proxy's CA and client certificate into certDir (the CA is kept
// across restarts) and returns the API server flags that enable the aggregation layer.
func frontProxy(certDir string) (*FrontProxy, map[string]string, error) {
	ca, err := loadOrCreateCA(certDir, "front-proxy-ca")
	if err != nil {
		return nil, nil, err
	}
	certPEM, keyPEM, err := ca.Issue(frontProxyClientName)
	if err != nil {
		return nil, nil, err
	}
	certFile, keyFile := filepath.Join(certDir, "front-proxy-client.crt"), filepath.Join(certDir, "front-proxy-client.key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return nil, nil, err
	}
	client, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, err
	}
	flags := map[string]string{
		"requestheader-client-ca-file":       filepath.Join(certDir, "front-proxy-ca.crt"),
		"requestheader-allowed-names":        frontProxyClientName,
		"requestheader-username-headers":     FrontProxyUserHeader,
		"requestheader-group-headers":        FrontProxyGroupHeader,
		"requestheader-extra-headers-prefix": FrontProxyExtraHeaderPrefix,
		"proxy-client-cert-file":             certFile,
		"proxy-client-key-file":              keyFile,
	}
	return &FrontProxy{CA: ca, ClientName: frontProxyClientName, Client: client}, flags, nil
}
