package server

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes"
)

// Where the hub API server publishes its front proxy's configuration for aggregated APIs.
const (
	authConfigMapNamespace = "kube-system"
	authConfigMapName      = "extension-apiserver-authentication"
)

// FrontProxy authenticates requests from the hub API server's front proxy (the aggregator):
// a client certificate signed by the requestheader CA and with an allowed name, whose
// X-Remote-User/Group/Extra headers say who the caller is. It follows
// kube-system/extension-apiserver-authentication as k8s.io/apiserver's delegating
// authentication does (CA rotation included); nothing else authenticates.
type FrontProxy struct {
	authenticator.Request
	ca      *dynamiccertificates.ConfigMapCAController
	headers *headerrequest.RequestHeaderAuthRequestController
}

// NewFrontProxy reads the front proxy's configuration with cs, which may get that ConfigMap
// (the Role extension-apiserver-authentication-reader).
func NewFrontProxy(cs kubernetes.Interface) (*FrontProxy, error) {
	ca, err := dynamiccertificates.NewDynamicCAFromConfigMapController("requestheader-client-ca", authConfigMapNamespace, authConfigMapName,
		"requestheader-client-ca-file", cs)
	if err != nil {
		return nil, err
	}
	h := headerrequest.NewRequestHeaderAuthRequestController(authConfigMapName, authConfigMapNamespace, cs,
		"requestheader-username-headers", "requestheader-uid-headers", "requestheader-group-headers",
		"requestheader-extra-headers-prefix", "requestheader-allowed-names")
	type f = headerrequest.StringSliceProviderFunc
	secure := headerrequest.NewDynamicVerifyOptionsSecure(ca.VerifyOptions, f(h.AllowedClientNames),
		f(h.UsernameHeaders), f(h.UIDHeaders), f(h.GroupHeaders), f(h.ExtraHeaderPrefixes))
	headersOnly := headerrequest.NewDynamic(f(h.UsernameHeaders), f(h.UIDHeaders), f(h.GroupHeaders), f(h.ExtraHeaderPrefixes))
	auth := &verifiedOnce{secure: secure, headersOnly: headersOnly, bundle: ca.CurrentCABundleContent, names: h.AllowedClientNames}
	return &FrontProxy{Request: auth, ca: ca, headers: h}, nil
}

// verifyFor bounds how long a verified front-proxy certificate is trusted without verifying
// it again (its expiry bounds it too).
const verifyFor = 5 * time.Minute

// verifiedOnce authenticates as secure does, but verifies a connection's client certificate
// once, not on every request: the aggregator sends all its requests over a few kept-alive
// connections, and verifying the chain (an ECDSA signature) was about 60 µs of the gateway's
// CPU per request. An entry holds only while the requestheader CA bundle and allowed names it
// was verified against are unchanged. A failure is never remembered.
type verifiedOnce struct {
	secure, headersOnly authenticator.Request
	// bundle and names are the requestheader CA bundle and allowed names now.
	bundle func() []byte
	names  func() []string

	mu       sync.Mutex
	verified map[*x509.Certificate]time.Time // a connection's leaf → trusted until
	// The CA bundle and allowed names they were verified against.
	verifiedBundle []byte
	verifiedNames  []string
}

// maxVerified bounds the remembered connections (the aggregator keeps a handful open).
const maxVerified = 256

func (v *verifiedOnce) AuthenticateRequest(r *http.Request) (*authenticator.Response, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	// The leaf's pointer is its connection's: the TLS state, and so the chain, of every
	// request on one connection is that handshake's.
	leaf, bundle, names, now := r.TLS.PeerCertificates[0], v.bundle(), v.names(), time.Now()
	v.mu.Lock()
	until, ok := v.verified[leaf]
	same := bytes.Equal(v.verifiedBundle, bundle) && slices.Equal(v.verifiedNames, names)
	ok = ok && same && now.Before(until)
	v.mu.Unlock()
	if ok {
		return v.headersOnly.AuthenticateRequest(r)
	}
	resp, ok, err := v.secure.AuthenticateRequest(r)
	if err != nil || !ok {
		return resp, ok, err
	}
	v.mu.Lock()
	if !bytes.Equal(v.verifiedBundle, bundle) || !slices.Equal(v.verifiedNames, names) || len(v.verified) >= maxVerified {
		v.verified, v.verifiedBundle, v.verifiedNames = map[*x509.Certificate]time.Time{}, bundle, names
	}
	until = now.Add(verifyFor)
	if leaf.NotAfter.Before(until) {
		until = leaf.NotAfter
	}
	v.verified[leaf] = until
	v.mu.Unlock()
	return resp, ok, err
}

// Start follows the configuration until ctx ends. It returns once the configuration is
// loaded, or an error naming what is missing after timeout (a hub without the aggregation
// layer, or no right to read the ConfigMap).
func (p *FrontProxy) Start(ctx context.Context, timeout time.Duration) error {
	go p.ca.Run(ctx, 1)
	go p.headers.Run(ctx, 1)
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return p.Loaded(), nil
	})
	if err != nil {
		return fmt.Errorf("no front proxy (requestheader) configuration in %s/%s after %s: the hub API server needs the aggregation layer "+
			"(--requestheader-client-ca-file, --proxy-client-cert-file), and the gateway the Role extension-apiserver-authentication-reader there",
			authConfigMapNamespace, authConfigMapName, timeout)
	}
	return nil
}

// Loaded says whether the configuration is loaded: after Start returned an error, it keeps
// following the ConfigMap, which may appear later.
func (p *FrontProxy) Loaded() bool {
	return len(p.ca.CurrentCABundleContent()) > 0 && len(p.headers.UsernameHeaders()) > 0
}

// Headers are the header names and prefixes the front proxy uses, which a forwarded request
// must not carry on.
func (p *FrontProxy) Headers() []string {
	var out []string
	for _, hs := range [][]string{p.headers.UsernameHeaders(), p.headers.UIDHeaders(), p.headers.GroupHeaders(), p.headers.ExtraHeaderPrefixes()} {
		out = append(out, hs...)
	}
	return out
}

// authenticate is the caller of r, or false when r did not come through the front proxy.
func authenticate(a authenticator.Request, r *http.Request) (*authenticator.Response, bool) {
	resp, ok, err := a.AuthenticateRequest(r)
	if err != nil || !ok {
		return nil, false
	}
	return resp, true
}
