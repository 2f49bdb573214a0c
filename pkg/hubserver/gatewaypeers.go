package hubserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/server"
)

// gatewayCerts are the gateway's certificate files: the serving certificate (also the client
// certificate towards peers), reloaded when it is rotated, and the CA peers must present a
// certificate of, re-read at each connection (a rotated CA counts at once).
type gatewayCerts struct {
	watcher *certwatcher.CertWatcher
	caPath  string

	mu   sync.Mutex
	ca   []byte
	pool *x509.CertPool
}

func loadGatewayCerts(dir string) (*gatewayCerts, error) {
	w, err := certwatcher.New(filepath.Join(dir, corev1.TLSCertKey), filepath.Join(dir, corev1.TLSPrivateKeyKey))
	if err != nil {
		return nil, fmt.Errorf("the gateway's serving certificate in %s: %w", dir, err)
	}
	c := &gatewayCerts{watcher: w, caPath: filepath.Join(dir, gatewayCAFile)}
	if _, err := c.peerCAs(); err != nil {
		return nil, err
	}
	return c, nil
}

// peerCAs is the CA of the gateway's certificates, as the file now holds it.
func (c *gatewayCerts) peerCAs() (*x509.CertPool, error) {
	data, err := os.ReadFile(c.caPath)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil && c.pool != nil:
		return c.pool, nil // the last one read, while the file is replaced
	case err != nil:
		return nil, fmt.Errorf("the gateway's CA for its peers: %w", err)
	case bytes.Equal(data, c.ca):
		return c.pool, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		if c.pool != nil {
			return c.pool, nil
		}
		return nil, fmt.Errorf("the gateway's CA for its peers: %s holds no PEM certificate", c.caPath)
	}
	c.ca, c.pool = data, pool
	return pool, nil
}

// peerServerTLS accepts only clients with a certificate of the current CA.
func (c *gatewayCerts) peerServerTLS() *tls.Config {
	cfg := server.PeerTLS(c.watcher.GetCertificate, nil)
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		pool, err := c.peerCAs()
		if err != nil {
			return nil, err
		}
		return server.PeerTLS(c.watcher.GetCertificate, pool), nil
	}
	return cfg
}

// peerTransport reaches peers with the gateway's certificate, verifying theirs against the
// current CA and serverName (peers are reached by address; every replica's certificate bears
// the Service's name). HTTP/1.1, which upgrades need; never through a proxy.
func (c *gatewayCerts) peerTransport(serverName string) http.RoundTripper {
	clientCert := func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return c.watcher.GetCertificate(nil) }
	return &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			pool, err := c.peerCAs()
			if err != nil {
				return nil, err
			}
			d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
				Config: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, ServerName: serverName, GetClientCertificate: clientCert,
					NextProtos: []string{"http/1.1"}}}
			return d.DialContext(ctx, network, addr)
		},
		DisableCompression:  true,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
}

// peerURLs are the peer endpoints (https://ADDRESS:PORT) of the ready endpoints in slices,
// but pod self's, sorted and once each.
func peerURLs(endpointSlices []discoveryv1.EndpointSlice, self string) []string {
	var out []string
	for _, s := range endpointSlices {
		port := int32(0)
		for _, p := range s.Ports {
			if p.Name != nil && *p.Name == GatewayPeerPortName && p.Port != nil {
				port = *p.Port
			}
		}
		if port == 0 {
			continue
		}
		for _, e := range s.Endpoints {
			if len(e.Addresses) == 0 || (e.Conditions.Ready != nil && !*e.Conditions.Ready) ||
				(self != "" && e.TargetRef != nil && e.TargetRef.Kind == "Pod" && e.TargetRef.Name == self) {
				continue
			}
			out = append(out, "https://"+net.JoinHostPort(e.Addresses[0], strconv.Itoa(int(port))))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
