package inventory

import (
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// Hub is the hub's API server as a client reaches it: its URL and the CA the client trusts
// for it (PEM).
type Hub struct {
	Server string
	CAData []byte
}

// Access is how a consumer reaches one cluster: the server (the gateway's proxy for it) and
// the CA it trusts for that server. It carries no credential: the consumer brings its own.
type Access struct {
	Server string
	CAData []byte
}

// Lookup is how a consumer reaches cluster through hub: the gateway's proxy for it
// (gatewayapi.ProxyURL) with the hub's CA. A ClusterProfile publishes it as its access
// provider's cluster (the inventory controller calls it with the hub as consumers reach it),
// and `kubectl import credentials` lets a hub credential go to it and nowhere else (called
// with the hub that credential is for): one function, so what is published and what is
// checked have one form.
func Lookup(hub Hub, cluster string) Access {
	return Access{Server: gatewayapi.ProxyURL(hub.Server, cluster), CAData: hub.CAData}
}

// HubFromConfig is the hub as the client configuration cfg reaches it: its host and the CA it
// trusts, read from the file it names when not inline. A configuration that does not verify
// the hub, or trusts no CA of its own, is refused: a credential is never sent to a server
// that a CA named here has not proven.
func HubFromConfig(cfg *rest.Config) (Hub, error) {
	if cfg.Insecure {
		return Hub{}, errors.New("the hub configuration skips TLS verification (insecure-skip-tls-verify): add the hub's CA (certificate-authority-data) and remove it")
	}
	ca := cfg.CAData
	if len(ca) == 0 && cfg.CAFile != "" {
		var err error
		if ca, err = os.ReadFile(cfg.CAFile); err != nil {
			return Hub{}, fmt.Errorf("reading the hub's CA: %w", err)
		}
	}
	if len(ca) == 0 {
		return Hub{}, fmt.Errorf("the hub configuration (server %s) names no certificate-authority: consumers must be told which CA proves the hub; use one with certificate-authority-data", cfg.Host)
	}
	return Hub{Server: cfg.Host, CAData: ca}, nil
}
