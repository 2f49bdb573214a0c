package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
)

// peerTunnelsPath lists the tunnels a replica holds, for the hub's liveness judgement
// (pkg/liveness): each replica reads the others' every few seconds, and a reader that sends
// the version it holds gets 304 while nothing changed.
const peerTunnelsPath = "/peer/tunnels"

// maxTunnelList bounds a peer's answer: 100,000 tunnels with long names.
const maxTunnelList = 32 << 20

// tunnelList is the answer of peerTunnelsPath.
type tunnelList struct {
	Version uint64               `json:"version"`
	Tunnels map[string]time.Time `json:"tunnels"`
}

// serveTunnels answers peerTunnelsPath from tunnels.
func serveTunnels(w http.ResponseWriter, r *http.Request, tunnels *tunnel.Registry) {
	held, version := tunnels.Snapshot()
	if have := r.URL.Query().Get("version"); have != "" && have == strconv.FormatUint(version, 10) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tunnelList{Version: version, Tunnels: held})
}

// Tunnels reads the tunnels peer holds. have is the version the caller holds (0: none);
// changed is false, with a nil set, when peer still holds that version.
func (p *Peers) Tunnels(ctx context.Context, peer string, have uint64) (held map[string]time.Time, version uint64, changed bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, peer+peerTunnelsPath+"?version="+strconv.FormatUint(have, 10), nil)
	if err != nil {
		return nil, 0, false, err
	}
	resp, err := p.Transport.RoundTrip(req)
	if err != nil {
		return nil, 0, false, fmt.Errorf("asking gateway replica %s for its tunnels: %w", peer, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, have, false, nil
	case http.StatusOK:
	default:
		return nil, 0, false, fmt.Errorf("asking gateway replica %s for its tunnels: HTTP %d", peer, resp.StatusCode)
	}
	var list tunnelList
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTunnelList)).Decode(&list); err != nil {
		return nil, 0, false, fmt.Errorf("reading the tunnels of gateway replica %s: %w", peer, err)
	}
	return list.Tunnels, list.Version, true, nil
}
