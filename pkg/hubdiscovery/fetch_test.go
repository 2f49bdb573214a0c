package hubdiscovery

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// hubDouble serves cluster-info like a hub and records every request's headers.
type hubDouble struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newHubDouble(t testing.TB, publishedCA func(*httptest.Server) []byte) *hubDouble {
	h := &hubDouble{}
	h.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.headers = append(h.headers, r.Header.Clone())
		h.mu.Unlock()
		if r.URL.Path != hubca.ClusterInfoPath {
			http.NotFound(w, r)
			return
		}
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters[""] = &clientcmdapi.Cluster{Server: h.URL, CertificateAuthorityData: publishedCA(h.Server)}
		kubeconfig, _ := clientcmd.Write(*cfg)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]string{"kubeconfig": string(kubeconfig)}})
	}))
	h.StartTLS()
	t.Cleanup(h.Close)
	return h
}

// servingCA is the double's own certificate (httptest's is self-signed and a CA).
func servingCA(s *httptest.Server) []byte { return hubca.EncodePEM(s.Certificate()) }

func TestFetchAcceptsOnlyThePinnedCAAndSendsNoCredential(t *testing.T) {
	hub := newHubDouble(t, servingCA)
	pin := hubca.Checksum(hub.Certificate())

	ca, got, err := Fetch(context.Background(), hub.URL, pin)
	if err != nil {
		t.Fatalf("Fetch with the right pin: %v", err)
	}
	if got.Checksum != pin || !strings.Contains(string(ca), "BEGIN CERTIFICATE") {
		t.Fatalf("Fetch returned %s (%d bytes of PEM), want %s", got.Checksum, len(ca), pin)
	}

	wrong := "sha256:" + strings.Repeat("0", 64)
	_, _, err = Fetch(context.Background(), hub.URL, wrong)
	var mismatch *hubca.MismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("Fetch with a wrong pin: %v, want a hubca.MismatchError", err)
	}
	for _, want := range []string{wrong, pin, "nothing was sent to the hub"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("mismatch error does not show %q:\n%s", want, err)
		}
	}
	hub.mu.Lock()
	defer hub.mu.Unlock()
	if len(hub.headers) == 0 {
		t.Fatal("the double saw no request: cluster-info was never read")
	}
	for _, h := range hub.headers {
		if h.Get("Authorization") != "" || h.Get("Cookie") != "" {
			t.Errorf("a request before the pin was checked carried credentials: %v", h)
		}
	}
}

// A CA that matches the pin but does not sign what the hub serves (someone republished
// cluster-info with their own CA) is refused.
func TestFetchRefusesAPinnedCAThatDoesNotSignTheServingCertificate(t *testing.T) {
	other := selfSignedCA(t)
	hub := newHubDouble(t, func(*httptest.Server) []byte { return hubca.EncodePEM(other) })
	_, _, err := Fetch(context.Background(), hub.URL, hubca.Checksum(other))
	if err == nil || !strings.Contains(err.Error(), "does not verify against it") {
		t.Fatalf("Fetch = %v, want a refusal because the pinned CA does not sign the serving certificate", err)
	}
}

func TestFetchRefusesNonHTTPS(t *testing.T) {
	_, _, err := Fetch(context.Background(), "http://hub.example:6443", "sha256:"+strings.Repeat("0", 64))
	if err == nil || !strings.Contains(err.Error(), "--hub") {
		t.Fatalf("Fetch(http://) = %v, want an error naming --hub", err)
	}
}

func selfSignedCA(t *testing.T) *x509.Certificate {
	ca, _ := selfSignedCAWithKey(t)
	return ca
}

// BenchmarkFetch is the cost join pays before it sends anything: CA candidates from the TLS
// handshake, cluster-info and /cacerts, then the verified handshake (loopback, no latency).
func BenchmarkFetch(b *testing.B) {
	hub := newHubDouble(b, servingCA)
	pin := hubca.Checksum(hub.Certificate())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Fetch(context.Background(), hub.URL, pin); err != nil {
			b.Fatal(err)
		}
	}
}

// A hub that serves its CA in the TLS chain (an intermediate-style chain) or only at /cacerts
// (K3s, RKE2) is pinned from there, without cluster-info.
func TestFetchFindsTheCAInTheChainOrAtCACerts(t *testing.T) {
	ca, caKey := selfSignedCAWithKey(t)
	leaf := servingCert(t, ca, caKey)
	for name, tc := range map[string]struct {
		chain   bool
		cacerts bool
		source  string
	}{
		"TLS chain": {chain: true, source: hubca.SourceTLS},
		"/cacerts":  {cacerts: true, source: hubca.SourceCACerts},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.cacerts && r.URL.Path == "/cacerts" {
					_, _ = w.Write(hubca.EncodePEM(ca))
					return
				}
				http.NotFound(w, r)
			}))
			cert := leaf
			if tc.chain {
				cert.Certificate = append(cert.Certificate, ca.Raw)
			}
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			srv.StartTLS()
			defer srv.Close()
			_, got, err := Fetch(context.Background(), srv.URL, hubca.Checksum(ca))
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if got.Source != tc.source {
				t.Errorf("CA found in %s, want %s", got.Source, tc.source)
			}
		})
	}
}

func selfSignedCAWithKey(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "hub-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// servingCert is a certificate for 127.0.0.1 signed by ca.
func servingCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
