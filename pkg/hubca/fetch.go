package hubca

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// Where a CA candidate came from.
const (
	SourceTLS         = "the TLS handshake"
	SourceClusterInfo = "kube-public/cluster-info"
	SourceCACerts     = "/cacerts"
)

// ClusterInfoPath is the ConfigMap kubeadm (and `kubectl import create`) publish for anonymous
// readers: a kubeconfig with the cluster's CA.
const ClusterInfoPath = "/api/v1/namespaces/kube-public/configmaps/cluster-info"

// maxBody bounds what is read from an answer not yet trusted.
const maxBody = 1 << 20

// Candidate is a CA certificate the hub offered.
type Candidate struct {
	Cert     *x509.Certificate
	Checksum string
	Source   string
}

// MismatchError says the hub offered no CA with the pinned checksum: a wrong hub, a wrong
// command, or someone in between.
type MismatchError struct {
	Hub        string
	Want       string
	Candidates []Candidate
	// Unreachable explains sources that gave nothing.
	Unreachable []string
}

func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the hub's CA does not match --ca-checksum: nothing was sent to the hub and nothing was changed\n")
	fmt.Fprintf(&b, "  expected (--ca-checksum): %s\n", e.Want)
	if len(e.Candidates) == 0 {
		fmt.Fprintf(&b, "  %s offered no CA certificate\n", e.Hub)
	}
	for _, c := range e.Candidates {
		fmt.Fprintf(&b, "  %s offers (%s):  %s  (subject %q)\n", e.Hub, c.Source, c.Checksum, c.Cert.Subject.String())
	}
	for _, u := range e.Unreachable {
		fmt.Fprintf(&b, "  %s\n", u)
	}
	b.WriteString("Check that --hub is the hub's address and copy the join command again from 'kubectl import create'.")
	return b.String()
}

// Fetch finds the hub's CA whose checksum is pin and proves that it signs the hub's serving
// certificate for the host of hubURL. Until then it sends no credential: the candidates are
// read from the TLS handshake, from kube-public/cluster-info (anonymous, as kubeadm does) and
// from /cacerts (K3s, RKE2), over a connection that is not trusted yet, so the pin alone
// decides. The result is the CA in PEM, to be used with normal verification.
func Fetch(ctx context.Context, hubURL, pin string) ([]byte, *Candidate, error) {
	u, err := url.Parse(hubURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, nil, fmt.Errorf("invalid --hub %q: it must be the https:// URL of the hub's API server", hubURL)
	}
	found, unreachable := candidates(ctx, u)
	for i := range found {
		if found[i].Checksum != pin {
			continue
		}
		if err := verifyServing(ctx, u, found[i].Cert); err != nil {
			return nil, nil, err
		}
		return EncodePEM(found[i].Cert), &found[i], nil
	}
	return nil, nil, &MismatchError{Hub: u.Host, Want: pin, Candidates: found, Unreachable: unreachable}
}

// candidates are the CA certificates the hub offers, deduplicated by checksum.
func candidates(ctx context.Context, u *url.URL) ([]Candidate, []string) {
	var found []Candidate
	var unreachable []string
	seen := map[string]bool{}
	add := func(source string, certs []*x509.Certificate) {
		for _, c := range certs {
			sum := Checksum(c)
			if c.IsCA && !seen[sum] {
				seen[sum] = true
				found = append(found, Candidate{Cert: c, Checksum: sum, Source: source})
			}
		}
	}
	untrusted := untrustedClient()
	if chain, err := handshake(ctx, u); err != nil {
		unreachable = append(unreachable, fmt.Sprintf("TLS handshake with %s: %v", u.Host, err))
	} else {
		add(SourceTLS, chain)
	}
	if certs, err := clusterInfo(ctx, untrusted, u); err != nil {
		unreachable = append(unreachable, fmt.Sprintf("%s: %v", SourceClusterInfo, err))
	} else {
		add(SourceClusterInfo, certs)
	}
	if certs, err := caCerts(ctx, untrusted, u); err == nil {
		add(SourceCACerts, certs)
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
		return fmt.Errorf("the hub offers the pinned CA (%s) but its serving certificate does not verify against it for %s: %w", Checksum(ca), u.Host, err)
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
	body, err := get(ctx, c, u, ClusterInfoPath)
	if err != nil {
		return nil, err
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal(body, &cm); err != nil {
		return nil, fmt.Errorf("not a ConfigMap: %w", err)
	}
	cfg, err := clientcmd.Load([]byte(cm.Data["kubeconfig"]))
	if err != nil {
		return nil, fmt.Errorf("its kubeconfig: %w", err)
	}
	var certs []*x509.Certificate
	for _, cluster := range cfg.Clusters {
		if parsed, err := ParseCertificates(cluster.CertificateAuthorityData); err == nil {
			certs = append(certs, parsed...)
		}
	}
	if len(certs) == 0 {
		return nil, errors.New("its kubeconfig holds no certificate-authority-data")
	}
	return certs, nil
}

func caCerts(ctx context.Context, c *http.Client, u *url.URL) ([]*x509.Certificate, error) {
	body, err := get(ctx, c, u, "/cacerts")
	if err != nil {
		return nil, err
	}
	return ParseCertificates(body)
}
