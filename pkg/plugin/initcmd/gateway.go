package initcmd

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The hub gateway (deploy/base/gateway.yaml) runs in the hub component's reconciler. With
// --webhook-url that component runs outside the cluster; --gateway-url says where its gateway
// listens, reached by the hub's aggregator through an ExternalName Service (the aggregator
// still verifies the name kimport-gateway.kimport-system.svc in its certificate). Without
// --gateway-url such a hub has no gateway: the APIService and its Service are not installed,
// so that the hub's discovery never lists an API nobody serves.

// validateGatewayURL checks --gateway-url: https, a host the Service can name, no path.
func (o *Options) validateGatewayURL() error {
	if o.GatewayURL == "" {
		return nil
	}
	if o.WebhookURL == "" {
		return errors.New("--gateway-url needs --webhook-url: the gateway runs in the hub component, which runs outside the cluster only with --webhook-url")
	}
	host, _, err := gatewayHostPort(o.GatewayURL)
	if err != nil {
		return fmt.Errorf("invalid --gateway-url %q: %w; e.g. https://localhost:9444", o.GatewayURL, err)
	}
	if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 && net.ParseIP(host) == nil {
		return fmt.Errorf("invalid --gateway-url %q: host %q is no DNS name or IP address an ExternalName Service can name: %s", o.GatewayURL, host, errs[0])
	}
	return nil
}

// gatewayHostPort is the host and port of an https URL with nothing after them (443 by default).
func gatewayHostPort(raw string) (string, int64, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", 0, err
	case u.Scheme != "https" || u.Hostname() == "":
		return "", 0, errors.New("the hub's aggregator calls the gateway over https only")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", 0, errors.New("give the scheme, host and port alone: the aggregator adds the paths")
	}
	port := int64(443)
	if p := u.Port(); p != "" {
		if port, err = strconv.ParseInt(p, 10, 32); err != nil || port < 1 || port > 65535 {
			return "", 0, fmt.Errorf("port %q is not within 1-65535", p)
		}
	}
	return u.Hostname(), port, nil
}

// isGateway is the APIService or the Service through which the hub reaches the gateway.
func isGateway(u *unstructured.Unstructured) bool {
	return (u.GetKind() == "APIService" && u.GetName() == gatewayapi.APIServiceName) ||
		(u.GetKind() == "Service" && u.GetName() == v1alpha1.GatewayComponent)
}

// pointGatewayAt makes the gateway's Service an ExternalName Service naming the host of
// o.GatewayURL, and the APIService call its port.
func (o *Options) pointGatewayAt(u *unstructured.Unstructured) error {
	host, port, err := gatewayHostPort(o.GatewayURL)
	if err != nil {
		return err
	}
	if u.GetKind() == "APIService" {
		return unstructured.SetNestedField(u.Object, port, "spec", "service", "port")
	}
	u.Object["spec"] = map[string]any{
		"type": "ExternalName", "externalName": host,
		"ports": []any{map[string]any{"name": "https", "port": port, "protocol": "TCP"}},
	}
	return nil
}
