package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
)

// countingAuth answers as ok says and counts its calls.
type countingAuth struct {
	calls int
	ok    bool
}

func (c *countingAuth) AuthenticateRequest(*http.Request) (*authenticator.Response, bool, error) {
	c.calls++
	if !c.ok {
		return nil, false, errors.New("x509: certificate signed by unknown authority")
	}
	return &authenticator.Response{User: &user.DefaultInfo{Name: "alice"}}, true, nil
}

// A connection's certificate is verified once while the CA bundle and allowed names stay, and
// again when they change, when its trust expires or when it is another connection's; a
// refused certificate is verified every time; a request without one is refused unverified.
func TestVerifiedOnce(t *testing.T) {
	secure, headers := &countingAuth{ok: true}, &countingAuth{ok: true}
	bundle, names := []byte("ca-1"), []string{"front-proxy-client"}
	v := &verifiedOnce{secure: secure, headersOnly: headers, bundle: func() []byte { return bundle }, names: func() []string { return names }}
	conn := func(leaf *x509.Certificate) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
		return r
	}
	a, b := &x509.Certificate{NotAfter: time.Now().Add(time.Hour)}, &x509.Certificate{NotAfter: time.Now().Add(time.Hour)}
	step := func(what string, r *http.Request, wantOK bool, wantSecure, wantHeaders int) {
		t.Helper()
		resp, ok, _ := v.AuthenticateRequest(r)
		if ok != wantOK || (ok && resp.User.GetName() != "alice") || secure.calls != wantSecure || headers.calls != wantHeaders {
			t.Fatalf("%s: ok %v, verified %d times, headers alone %d; want %v, %d, %d", what, ok, secure.calls, headers.calls, wantOK, wantSecure, wantHeaders)
		}
	}
	step("first request", conn(a), true, 1, 0)
	step("same connection", conn(a), true, 1, 1)
	step("another connection", conn(b), true, 2, 1)
	bundle = []byte("ca-2")
	step("CA rotated", conn(a), true, 3, 1)
	step("after rotation", conn(a), true, 3, 2)
	names = []string{"another-proxy"}
	step("allowed names changed", conn(a), true, 4, 2)
	step("after the change", conn(a), true, 4, 3)
	v.verified[a] = time.Now().Add(-time.Second)
	step("trust expired", conn(a), true, 5, 3)
	secure.ok = false
	step("refused", conn(b), false, 6, 3)
	step("refused again", conn(b), false, 7, 3)
	step("no certificate", httptest.NewRequest(http.MethodGet, "/", nil), false, 7, 3)
}
