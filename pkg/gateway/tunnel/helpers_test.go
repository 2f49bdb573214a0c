package tunnel

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func netDial(s *httptest.Server) (net.Conn, error) {
	return net.Dial("tcp", s.Listener.Addr().String())
}
