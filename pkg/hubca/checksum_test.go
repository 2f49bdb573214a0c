package hubca

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseChecksum(t *testing.T) {
	good := "sha256:" + strings.Repeat("ab", 32)
	for in, wantErr := range map[string]string{
		good:                                "",
		strings.ToUpper(good):               "",
		"  " + good + "\n":                  "",
		strings.Repeat("ab", 32):            `must start with "sha256:"`,
		"md5:" + strings.Repeat("a", 32):    `must start with "sha256:"`,
		"sha256:" + strings.Repeat("a", 63): "exactly 64 hex digits",
		"sha256:" + strings.Repeat("g", 64): "exactly 64 hex digits",
	} {
		got, err := ParseChecksum(in)
		switch {
		case wantErr == "" && (err != nil || got != good):
			t.Errorf("ParseChecksum(%q) = %q, %v; want %q", in, got, err, good)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), "--ca-checksum")):
			t.Errorf("ParseChecksum(%q) error = %v; want one naming --ca-checksum and %q", in, err, wantErr)
		}
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
