package agent

import (
	"crypto/sha256"
	"encoding/hex"
)

// shortHash gives 16 hex digits of sha256: enough to keep names unique, short enough for
// object names.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
