package forward

import (
	"net"
	"net/http"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"
	"k8s.io/streaming/pkg/httpstream"
)

// Transport reaches the API server of cfg with cfg's credentials and pinned CA. Ordinary
// requests may use HTTP/2; upgrades go over HTTP/1.1, the only version SPDY and WebSocket
// upgrade on. cfg must not impersonate: the caller's identity comes from the request.
func Transport(cfg *rest.Config) (http.RoundTripper, error) {
	cfg = rest.CopyConfig(cfg)
	// The client asked for (or not) compression; the proxy passes bodies through as they are.
	cfg.DisableCompression = true
	normal, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	tc, err := cfg.TransportConfig()
	if err != nil {
		return nil, err
	}
	tlsConfig, err := transport.TLSConfigFor(tc)
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil {
		tlsConfig.NextProtos = []string{"http/1.1"}
	}
	proxy := cfg.Proxy
	if proxy == nil {
		proxy = utilnet.NewProxierWithNoProxyCIDR(http.ProxyFromEnvironment)
	}
	h1 := &http.Transport{
		Proxy:               proxy,
		TLSClientConfig:     tlsConfig,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
	upgrades, err := transport.HTTPWrappersForConfig(tc, h1)
	if err != nil {
		return nil, err
	}
	return split{normal: normal, upgrades: upgrades}, nil
}

// split sends upgrade requests one way and the rest another.
type split struct{ normal, upgrades http.RoundTripper }

func (s split) RoundTrip(r *http.Request) (*http.Response, error) {
	if httpstream.IsUpgradeRequest(r) {
		return s.upgrades.RoundTrip(r)
	}
	return s.normal.RoundTrip(r)
}
