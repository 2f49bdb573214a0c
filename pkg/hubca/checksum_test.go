package hubca

import (
	"strings"
	"testing"
)

func TestParseChecksum(t *testing.T) {
	good := "sha256:" + strings.Repeat("ab", 32)
	for in, wantErr := range map[string]string{
		good:                                "",
		strings.ToUpper(good):               "",
		"  " + good + "\n":                  "",
		strings.Repeat("ab", 32):            `must start with "sha256:"`,
		"md5:" + strings.Repeat("a", 32):    `must start with "sha256:"`,
		"sha256:" + strings.Repeat("a", 63): "exactly 64 hex digits",
		"sha256:" + strings.Repeat("g", 64): "exactly 64 hex digits",
	} {
		got, err := ParseChecksum(in)
		switch {
		case wantErr == "" && (err != nil || got != good):
			t.Errorf("ParseChecksum(%q) = %q, %v; want %q", in, got, err, good)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), "--ca-checksum")):
			t.Errorf("ParseChecksum(%q) error = %v; want one naming --ca-checksum and %q", in, err, wantErr)
		}
	}
}
