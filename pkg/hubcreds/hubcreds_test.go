package hubcreds

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

func testCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestFromSecret(t *testing.T) {
	ca := testCA(t)
	const apiServer = "https://edge.example:6443"
	cases := []struct {
		name   string
		server string
		ca     []byte
		token  string
		want   string // "" accepts
	}{
		{"the registration's own server", apiServer, ca, "tok-SECRET-123", ""},
		{"a trailing slash is the same server", apiServer + "/", ca, "tok-SECRET-123", ""},
		{"another server: the token would go elsewhere", "https://evil.example:6443", ca, "tok-SECRET-123", `names server https://evil.example:6443 but spec.apiServer is "https://edge.example:6443": refusing to send the token anywhere but spec.apiServer`},
		{"plain http", "http://edge.example:6443", ca, "tok-SECRET-123", `is not an https:// URL`},
		{"no CA", apiServer, nil, "tok-SECRET-123", `has no "ca.crt"`},
		{"a CA that is not PEM", apiServer, []byte("EVIL"), "tok-SECRET-123", `"ca.crt" is not a PEM certificate`},
		{"no token", apiServer, ca, "", `has no "token"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Secret("edge", Credentials{Server: tc.server, CAData: tc.ca, Token: tc.token})
			_, err := FromSecret(s, apiServer)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error = %v, want %q", err, tc.want)
			case err != nil && tc.token != "" && strings.Contains(err.Error(), tc.token):
				t.Errorf("the error repeats the token: %v", err)
			}
		})
	}
}

func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(claims)) + ".sig"
}

func TestRenewable(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name  string
		token string
		want  bool
	}{
		{"fresh bound token", jwt(fmt.Sprintf(`{"sub":"a","iat":%d,"exp":%d}`, now.Unix(), now.Add(8*time.Hour).Unix())), false},
		{"past half its life", jwt(fmt.Sprintf(`{"sub":"a","exp":%d}`, now.Add(3*time.Hour).Unix())), true},
		{"expired", jwt(fmt.Sprintf(`{"sub":"a","exp":%d}`, now.Add(-time.Minute).Unix())), true},
		{"legacy token without expiry", jwt(`{"sub":"a"}`), true},
		{"not a JWT", "opaque", true},
	}
	for _, tc := range cases {
		if got := Renewable(tc.token, now, 4*time.Hour); got != tc.want {
			t.Errorf("%s: Renewable = %v, want %v", tc.name, got, tc.want)
		}
	}
	c, ok := UnverifiedClaims(jwt(`{"sub":"system:serviceaccount:ns:sa","iat":10,"exp":20}`))
	if !ok || c.Subject != "system:serviceaccount:ns:sa" || c.IssuedAt.Unix() != 10 || c.ExpiresAt.Unix() != 20 {
		t.Errorf("UnverifiedClaims = %+v, %v", c, ok)
	}
}
