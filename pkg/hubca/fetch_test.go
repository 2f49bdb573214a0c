package hubca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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
		if r.URL.Path != ClusterInfoPath {
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
func servingCA(s *httptest.Server) []byte { return EncodePEM(s.Certificate()) }

func TestFetchAcceptsOnlyThePinnedCAAndSendsNoCredential(t *testing.T) {
	hub := newHubDouble(t, servingCA)
	pin := Checksum(hub.Certificate())

	ca, got, err := Fetch(context.Background(), hub.URL, pin)
	if err != nil {
		t.Fatalf("Fetch with the right pin: %v", err)
	}
	if got.Checksum != pin || !strings.Contains(string(ca), "BEGIN CERTIFICATE") {
		t.Fatalf("Fetch returned %s (%d bytes of PEM), want %s", got.Checksum, len(ca), pin)
	}

	wrong := "sha256:" + strings.Repeat("0", 64)
	_, _, err = Fetch(context.Background(), hub.URL, wrong)
	var mismatch *MismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("Fetch with a wrong pin: %v, want a MismatchError", err)
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
	hub := newHubDouble(t, func(*httptest.Server) []byte { return EncodePEM(other) })
	_, _, err := Fetch(context.Background(), hub.URL, Checksum(other))
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

func TestChecksumIsOfTheSubjectPublicKeyInfo(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	cert := srv.Certificate()
	reparsed, err := x509.ParseCertificate(cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if Checksum(cert) != Checksum(reparsed) || !strings.HasPrefix(Checksum(cert), ChecksumPrefix) || len(Checksum(cert)) != len(ChecksumPrefix)+64 {
		t.Fatalf("Checksum = %q", Checksum(cert))
	}
}

func selfSignedCA(t *testing.T) *x509.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "impostor-ca"},
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
	return cert
}

// BenchmarkFetch is the cost join pays before it sends anything: CA candidates from the TLS
// handshake, cluster-info and /cacerts, then the verified handshake (loopback, no latency).
func BenchmarkFetch(b *testing.B) {
	hub := newHubDouble(b, servingCA)
	pin := Checksum(hub.Certificate())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Fetch(context.Background(), hub.URL, pin); err != nil {
			b.Fatal(err)
		}
	}
}
