package hubserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestFlagsAndValidation(t *testing.T) {
	o := DefaultOptions()
	fs := flag.NewFlagSet("webhook", flag.ContinueOnError)
	o.BindFlags(fs)
	if err := fs.Parse([]string{"--probe-interval=0s", "--cleanup-timeout=-1s", "--webhook-port=70000", "--cert-lookahead=48h", "--cluster-profile-namespace=Fleet"}); err != nil {
		t.Fatal(err)
	}
	err := o.Validate()
	want := "--probe-interval must be positive, got 0s\n--cleanup-timeout must be positive, got -1s\n" +
		"--cluster-profile-namespace \"Fleet\" is not a namespace name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n--webhook-port must be within 1-65535, got 70000\n" +
		"--cert-rotation needs --cert-dir: the directory the rotated certificate is read from\n" +
		"--cert-lookahead (48h0m0s) must be shorter than --cert-duration (24h0m0s)"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
	alone := DefaultOptions()
	alone.DisableReconciler, alone.CertDir = true, "/certs"
	if err := alone.Validate(); err == nil || !strings.Contains(err.Error(), "--disable-reconciler needs --status-writers naming the reconciler's user (deployed: system:serviceaccount:kimport-system:kimport-controller)") {
		t.Errorf("webhook alone without status writers: Validate() = %v", err)
	}
	alone.StatusWriters = []string{v1alpha1.ControllerUser}
	if err := alone.Validate(); err != nil {
		t.Errorf("webhook alone with the reconciler's user: %v", err)
	}
	d := DefaultOptions()
	if d.MetricsAddr != ":8443" || !d.MetricsSecure || d.ProbeAddr != ":8081" || d.WebhookPort != 9443 || !d.CertRotation ||
		d.Reconciler.ProbeInterval != 30*time.Second || d.Reconciler.ProbeTimeout != 5*time.Second || d.Reconciler.CleanupTimeout != time.Minute || d.ClusterProfileNamespace != "kimport-system" {
		t.Errorf("defaults = %+v", d)
	}
}

// TestServes runs the command's manager against a real hub: health endpoints answer, readyz
// waits for the webhook server, which serves TLS from --cert-dir, and metrics refuse
// unauthenticated scrapers.
func TestServes(t *testing.T) {
	hub := testenv.Start(t, testenv.Options{Name: "hub", HubCRDs: true})
	certDir := t.TempDir()
	pool := writeServingCert(t, certDir)
	o := DefaultOptions()
	o.CertRotation = false // the certificate of --cert-dir, as with cert-manager
	o.CertDir = certDir
	o.MetricsCertDir = certDir
	o.WebhookPort = freePort(t)
	o.ProbeAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	o.MetricsAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	// The gateway, with the same certificate as its own CA (as cert-manager's self-signed).
	o.GatewayCertRotation, o.GatewayCertDir = false, certDir
	o.GatewayHost, o.GatewayPort, o.GatewayPeerPort = "127.0.0.1", freePort(t), freePort(t)
	copyFile(t, filepath.Join(certDir, "tls.crt"), filepath.Join(certDir, "ca.crt"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Run(ctx, hub.Config, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	for _, path := range []string{"/healthz", "/readyz"} {
		waitStatus(t, http.DefaultClient, "http://"+o.ProbeAddr+path, http.StatusOK)
	}
	tlsConfig := &tls.Config{RootCAs: pool, ServerName: servingName, MinVersion: tls.VersionTLS12}
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", o.WebhookPort), tlsConfig)
	if err != nil {
		t.Fatalf("webhook server does not serve the certificate of --cert-dir: %v", err)
	}
	conn.Close()
	metricsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	waitStatus(t, metricsClient, "https://"+o.MetricsAddr+"/metrics", http.StatusUnauthorized)

	// The gateway serves its certificate and answers only the hub's front proxy; its peer
	// endpoint only peers with a certificate of its CA.
	waitStatus(t, metricsClient, fmt.Sprintf("https://127.0.0.1:%d/apis/gateway.kimport.dev/v1alpha1", o.GatewayPort), http.StatusUnauthorized)
	peer, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", o.GatewayPeerPort), tlsConfig)
	if err == nil {
		_, err = peer.Write([]byte("GET /peer/clusters/x/attached HTTP/1.1\r\nHost: x\r\n\r\n"))
		if err == nil {
			_, err = peer.Read(make([]byte, 1))
		}
		peer.Close()
	}
	if err == nil {
		t.Error("the peer endpoint answered a client without a certificate")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func waitStatus(t *testing.T, c *http.Client, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(url)
		got := 0
		if err == nil {
			got = resp.StatusCode
			resp.Body.Close()
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: status %d (err %v), want %d", url, got, err, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

const servingName = "kimport-webhook.kimport-system.svc"

// writeServingCert writes a self-signed tls.crt/tls.key into dir and returns a pool trusting it.
func writeServingCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: servingName},
		DNSNames:  []string{servingName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{"tls.crt": {Type: "CERTIFICATE", Bytes: der}, "tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return pool
}
