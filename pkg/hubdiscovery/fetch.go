// Package hubdiscovery is how the plugin finds and publishes a hub's CA over the network:
// `join` fetches the CA candidates a hub offers before any credential is sent and keeps the
// one pkg/hubca pins; `create` publishes kube-public/cluster-info for it.
package hubdiscovery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/hubca"
)

// maxBody bounds what is read from an answer not yet trusted.
const maxBody = 1 << 20

// Fetch finds the hub's CA whose checksum is pin and proves that it signs the hub's serving
// certificate for the host of hubURL. Until then it sends no credential: the candidates are
// read from the TLS handshake, from kube-public/cluster-info (anonymous, as kubeadm does) and
// from /cacerts (K3s, RKE2), over a connection that is not trusted yet, so the pin alone
// decides. The result is the CA in PEM, to be used with normal verification.
func Fetch(ctx context.Context, hubURL, pin string) ([]byte, *hubca.Candidate, error) {
	u, err := url.Parse(hubURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, nil, fmt.Errorf("invalid --hub %q: it must be the https:// URL of the hub's API server", hubURL)
	}
	found, unreachable := candidates(ctx, u)
	c := found.Pinned(pin)
	if c == nil {
		return nil, nil, &hubca.MismatchError{Hub: u.Host, Want: pin, Candidates: found, Unreachable: unreachable}
	}
	if err := verifyServing(ctx, u, c.Cert); err != nil {
		return nil, nil, err
	}
	return hubca.EncodePEM(c.Cert), c, nil
}

// candidates are the CA certificates the hub offers, deduplicated by checksum.
func candidates(ctx context.Context, u *url.URL) (hubca.Candidates, []string) {
	var found hubca.Candidates
	var unreachable []string
	untrusted := untrustedClient()
	if chain, err := handshake(ctx, u); err != nil {
		unreachable = append(unreachable, fmt.Sprintf("TLS handshake with %s: %v", u.Host, err))
	} else {
		found.Add(hubca.SourceTLS, chain)
	}
	if certs, err := clusterInfo(ctx, untrusted, u); err != nil {
		unreachable = append(unreachable, fmt.Sprintf("%s: %v", hubca.SourceClusterInfo, err))
	} else {
		found.Add(hubca.SourceClusterInfo, certs)
	}
	if certs, err := caCerts(ctx, untrusted, u); err == nil {
		found.Add(hubca.SourceCACerts, certs)
	}
	return found, unreachable
}

// untrustedConfig accepts any certificate: it is used only to read public CA material without
// credentials, which the pin then accepts or refuses.
func untrustedConfig(serverName string) *tls.Config {
	return &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // pinned afterwards; no credential is sent
}

func untrustedClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: untrustedConfig(""),
		},
		// A redirect could lead anywhere; the CA must come from the hub's own address.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func handshake(ctx context.Context, u *url.URL) ([]*x509.Certificate, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: untrustedConfig(u.Hostname())}
	conn, err := d.DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates, nil
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "443")
}

// verifyServing proves that ca signs the certificate the hub serves for its host name.
func verifyServing(ctx context.Context, u *url.URL, ca *x509.Certificate) error {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second},
		Config: &tls.Config{ServerName: u.Hostname(), RootCAs: pool, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return fmt.Errorf("the hub offers the pinned CA (%s) but its serving certificate does not verify against it for %s: %w", hubca.Checksum(ca), u.Host, err)
	}
	return conn.Close()
}

func get(ctx context.Context, c *http.Client, u *url.URL, path string) ([]byte, error) {
	target := *u
	target.Path = strings.TrimSuffix(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s (anonymous read refused or absent; 'kubectl import create' publishes it)", resp.Status)
	}
	return body, nil
}

func clusterInfo(ctx context.Context, c *http.Client, u *url.URL) ([]*x509.Certificate, error) {
	body, err := get(ctx, c, u, hubca.ClusterInfoPath)
	if err != nil {
		return nil, err
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal(body, &cm); err != nil {
		return nil, fmt.Errorf("not a ConfigMap: %w", err)
	}
	return hubca.KubeconfigCAs([]byte(cm.Data["kubeconfig"]))
}

func caCerts(ctx context.Context, c *http.Client, u *url.URL) ([]*x509.Certificate, error) {
	body, err := get(ctx, c, u, "/cacerts")
	if err != nil {
		return nil, err
	}
	return hubca.ParseCertificates(body)
}
