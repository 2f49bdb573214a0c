package credentials

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"

	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// hubCredential is the credential cfg authenticates to the hub with, as an ExecCredential
// status, found the way client-go would send it: a bearer token (inline, from a file such as
// a pod's ServiceAccount token, or from cfg's own exec plugin or auth provider) and/or a client
// certificate and key (inline, from files, or from cfg's exec plugin). Nothing is sent
// anywhere: the request runs through client-go's authentication wrappers into a recorder.
// The expiry is the token's or the certificate's when it carries one, so that client-go asks
// again in time.
func hubCredential(cfg *rest.Config) (*clientauthv1.ExecCredentialStatus, error) {
	if cfg.Impersonate.UserName != "" || cfg.Impersonate.UID != "" || len(cfg.Impersonate.Groups) > 0 || len(cfg.Impersonate.Extra) > 0 {
		return nil, errors.New("the hub configuration impersonates another user (as:, --as): an exec credential cannot carry that, so the consumer would act as your own user instead; use a kubeconfig user without impersonation")
	}
	if cfg.Username != "" || cfg.Password != "" {
		return nil, errors.New("the hub configuration authenticates with a username and password, which an exec credential cannot carry; use a token or a client certificate")
	}
	cfg = rest.CopyConfig(cfg)
	if err := rest.LoadTLSFiles(cfg); err != nil {
		return nil, fmt.Errorf("reading the hub configuration's client certificate: %w", err)
	}
	tc, err := cfg.TransportConfig()
	if err != nil {
		return nil, err
	}
	status := &clientauthv1.ExecCredentialStatus{}
	if status.Token, err = bearerToken(cfg.Host, tc); err != nil {
		return nil, err
	}
	cert, key, err := clientCertificate(tc)
	if err != nil {
		return nil, err
	}
	status.ClientCertificateData, status.ClientKeyData = string(cert), string(key)
	if status.Token == "" && len(cert) == 0 {
		return nil, errors.New("the hub configuration has no credential (no token, client certificate, exec plugin or auth provider): it would reach the hub anonymously")
	}
	status.ExpirationTimestamp = expiry(status.Token, cert)
	return status, nil
}

// bearerToken is the token tc's authentication wrappers put in a request to host, or "".
func bearerToken(host string, tc *transport.Config) (string, error) {
	var rec recorder
	rt, err := transport.HTTPWrappersForConfig(tc, &rec)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodGet, host, nil)
	if err != nil {
		return "", fmt.Errorf("the hub's server %q: %w", host, err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return "", fmt.Errorf("getting the hub credential: %w", err)
	}
	resp.Body.Close()
	auth := rec.header.Get("Authorization")
	if auth == "" {
		return "", nil
	}
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		return "", errors.New("the hub configuration authenticates with a scheme other than a bearer token, which an exec credential cannot carry")
	}
	return token, nil
}

// recorder answers every request with an empty 200, remembering its headers.
type recorder struct{ header http.Header }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.header = req.Header.Clone()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

// clientCertificate is tc's client certificate chain and key in PEM, from its data or from
// its exec plugin (through the callback client-go gives the TLS handshake).
func clientCertificate(tc *transport.Config) (cert, key []byte, err error) {
	if len(tc.TLS.CertData) > 0 {
		return tc.TLS.CertData, tc.TLS.KeyData, nil
	}
	if tc.TLS.GetCertHolder == nil || tc.TLS.GetCertHolder.GetCert == nil {
		return nil, nil, nil
	}
	c, err := tc.TLS.GetCertHolder.GetCert()
	if err != nil {
		return nil, nil, fmt.Errorf("getting the hub client certificate: %w", err)
	}
	if c == nil || len(c.Certificate) == 0 {
		return nil, nil, nil
	}
	return encodeCertificate(c)
}

// encodeCertificate is c's chain and private key in PEM.
func encodeCertificate(c *tls.Certificate) (cert, key []byte, err error) {
	for _, der := range c.Certificate {
		cert = append(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the hub client certificate's key: %w", err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// expiry is the earlier of the token's expiry (a JWT's exp) and the certificate's NotAfter;
// nil when neither says.
func expiry(token string, certPEM []byte) *metav1.Time {
	var at time.Time
	if c, ok := hubcreds.UnverifiedClaims(token); ok && !c.ExpiresAt.IsZero() {
		at = c.ExpiresAt
	}
	if block, _ := pem.Decode(certPEM); block != nil {
		if c, err := x509.ParseCertificate(block.Bytes); err == nil && (at.IsZero() || c.NotAfter.Before(at)) {
			at = c.NotAfter
		}
	}
	if at.IsZero() {
		return nil
	}
	t := metav1.NewTime(at)
	return &t
}
