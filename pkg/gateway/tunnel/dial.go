package tunnel

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/yamux"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport/websocket"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// Dial opens cluster's tunnel as its agent: an HTTP upgrade to the gateway's attach path
// on the hub API server, authenticated as hub says (the agent's own hub ServiceAccount
// token), with hub's CA pinned and through hub.Proxy or HTTPS_PROXY/NO_PROXY. It returns the
// agent's (server) side of the session.
func Dial(ctx context.Context, hub *rest.Config, cluster string, c Config) (*yamux.Session, error) {
	rt, holder, err := websocket.RoundTripperFor(hub)
	if err != nil {
		return nil, fmt.Errorf("tunnel to the hub: %w", err)
	}
	host := hub.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	url := strings.TrimSuffix(host, "/") + gatewayapi.AttachPath(cluster)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if hub.UserAgent != "" {
		req.Header.Set("User-Agent", hub.UserAgent)
	}
	ws, err := websocket.Negotiate(rt, holder, req, gatewayapi.TunnelProtocol)
	if err != nil {
		return nil, fmt.Errorf("tunnel to the hub at %s: %w", hub.Host, err)
	}
	s, err := Server(NewConn(ws), c)
	if err != nil {
		_ = ws.Close()
		return nil, err
	}
	return s, nil
}
