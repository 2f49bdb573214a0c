package hubenv

import (
	"net/http"
	"testing"
	"time"
)

// waitReady polls http://probeAddr/readyz until it answers 200, failing the test when gone
// (given the time to wait) says the component ended, or after timeout.
func waitReady(t testing.TB, name, probeAddr string, timeout time.Duration, gone func(time.Duration) (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get("http://" + probeAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if ended, err := gone(200 * time.Millisecond); ended {
			t.Fatalf("%s exited: %v", name, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s (last: %v)", name, timeout, err)
		}
	}
}
