// Package gatewaytest holds what the gateway's tests share: an endpoint that upgrades
// (WebSocket or SPDY) and echoes, standing for exec/attach/port-forward behind an agent, and
// the client side that checks it round-trips.
package gatewaytest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// UpgradeEcho answers an upgrade to WebSocket or SPDY/3.1 with 101 and then echoes each
// line back in upper case, as an exec stream would carry it; anything else is a 400.
func UpgradeEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto := r.Header.Get("Upgrade")
		if !strings.EqualFold(r.Header.Get("Connection"), "Upgrade") || (proto != "websocket" && proto != "SPDY/3.1") {
			http.Error(w, "upgrade required", http.StatusBadRequest)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", proto)
		_ = rw.Flush()
		for {
			line, err := rw.ReadString('\n')
			if err != nil {
				return
			}
			fmt.Fprint(rw, strings.ToUpper(line))
			_ = rw.Flush()
		}
	})
}

// Upgrade sends over conn (a connection to the server) an upgrade of path to proto with the
// extra header lines, expects 101 and the echo of two lines; the error says what failed.
func Upgrade(conn io.ReadWriter, host, path, proto string, header ...string) error {
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\n", path, host, proto)
	for _, h := range header {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return fmt.Errorf("upgrade to %s: %w", proto, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != proto {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("upgrade to %s: %s %v: %s", proto, resp.Status, resp.Header, body)
	}
	for _, line := range []string{"hello\n", "exec stream\n"} {
		if _, err := io.WriteString(conn, line); err != nil {
			return err
		}
		got, err := br.ReadString('\n')
		if err != nil || got != strings.ToUpper(line) {
			return fmt.Errorf("upgrade to %s: echoed %q, %v", proto, got, err)
		}
	}
	return nil
}
