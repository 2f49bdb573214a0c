package tunnel

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gorilla/websocket"
	"github.com/hashicorp/yamux"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// bufferSize is the WebSocket read and write buffer: a yamux frame of a busy stream is at
// most 32 KiB plus its header (what an HTTP body copy writes at once).
const bufferSize = 32*1024 + 64

var upgrader = websocket.Upgrader{
	ReadBufferSize:  bufferSize,
	WriteBufferSize: bufferSize,
	Subprotocols:    []string{gatewayapi.TunnelProtocol},
}

// Accept completes an agent's upgrade request (already authenticated and authorized) and
// returns the gateway's (client) side of the session. On error it has answered the request.
func Accept(w http.ResponseWriter, r *http.Request, c Config) (*yamux.Session, error) {
	if !slices.Contains(websocket.Subprotocols(r), gatewayapi.TunnelProtocol) {
		http.Error(w, "the tunnel speaks WebSocket subprotocol "+gatewayapi.TunnelProtocol+" only", http.StatusBadRequest)
		return nil, errProtocol
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil, err // the upgrader answered
	}
	s, err := Client(NewConn(ws), c)
	if err != nil {
		_ = ws.Close()
		return nil, err
	}
	return s, nil
}

var errProtocol = errors.New("the agent did not offer WebSocket subprotocol " + gatewayapi.TunnelProtocol)
