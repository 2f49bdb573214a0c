package server

import (
	"context"
	"crypto/tls"
	"errors"
	stdlog "log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
)

// APITLS is the TLS of the aggregated API. getCertificate gives the serving certificate
// (rotated by whoever provides it). Clients are asked for a certificate, which the
// front-proxy authenticator verifies; HTTP/2 serves ordinary requests, HTTP/1.1 upgrades.
func APITLS(getCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		ClientAuth:     tls.RequestClientCert,
		GetCertificate: getCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}

// Serve serves h with tlsConfig (APITLS, PeerTLS) on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, tlsConfig *tls.Config, log logr.Logger) error {
	srv := &http.Server{
		ErrorLog:          stdlog.New(logWriter{log}, "", 0),
		Handler:           h,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	stop := context.AfterFunc(ctx, func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	})
	defer stop()
	err := srv.ServeTLS(ln, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// logWriter sends net/http's server messages (TLS handshake failures, mostly) to a logr.Logger at V(1).
type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.V(1).Info(strings.TrimSpace(string(p)))
	return len(p), nil
}
