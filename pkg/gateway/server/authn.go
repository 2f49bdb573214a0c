package server

import (
	"context"
	"fmt"
	"net/http"
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
	auth := headerrequest.NewDynamicVerifyOptionsSecure(ca.VerifyOptions, f(h.AllowedClientNames),
		f(h.UsernameHeaders), f(h.UIDHeaders), f(h.GroupHeaders), f(h.ExtraHeaderPrefixes))
	return &FrontProxy{Request: auth, ca: ca, headers: h}, nil
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
