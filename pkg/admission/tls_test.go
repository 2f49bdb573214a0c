package admission_test

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"testing"
)

// servingFingerprint is the sha256 of the certificate the webhook serves now (cert-controller
// gives every serving certificate serial 1, so the serial cannot tell them apart). The client
// verifies nothing here on purpose: it only reads which certificate is served; the API
// server, which does verify it, is what the test measures.
func servingFingerprint(t *testing.T, port int) string {
	t.Helper()
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // reads the certificate only
	if err != nil {
		return "unreachable: " + err.Error()
	}
	defer conn.Close()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].Raw)
	return hex.EncodeToString(sum[:])
}
