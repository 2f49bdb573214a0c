package common

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, ünïcode ✓", "plain text, ünïcode ✓"},
		{"\x1b]0;owned\x07", `^[]0;owned\x07`},
		{"\x1b[2J\x1b[H", "^[[2J^[[H"},
		{"over\rwritten", `over\rwritten`},
		{"two\nrows\tcol", `two\nrows\tcol`},
		{"bell\x07 back\x08 del\x7f", `bell\x07 back\x08 del\x7f`},
		{"c1 csi \u009b2J", `c1 csi \u009b2J`},
		{"invalid \x9b byte", `invalid \x9b byte`},
		{"", ""},
	} {
		got := Escape(tc.in)
		if got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := Escape(got); again != got {
			t.Errorf("Escape is not idempotent on %q: %q", got, again)
		}
	}
	if got := EscapeLines("error: a\x1b[2J\nhint: b\x07"); got != "error: a^[[2J\nhint: b\\x07" {
		t.Errorf("EscapeLines = %q", got)
	}
}

// TestPrintTableEscapes: a cell cannot clear the screen, retitle the terminal or forge a row.
func TestPrintTableEscapes(t *testing.T) {
	var out bytes.Buffer
	err := PrintTable(&out, []string{"NAME", "MESSAGE"}, [][]string{{"lab", "\x1b]0;owned\x07\x1b[2J"}, {"x", "ok\nprod\tActive"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07\t") || strings.Count(out.String(), "\n") != 3 {
		t.Fatalf("raw control characters or forged rows in:\n%q", out.String())
	}
	if !strings.Contains(out.String(), `^[]0;owned\x07^[[2J`) || !strings.Contains(out.String(), `ok\nprod\tActive`) {
		t.Errorf("escaped cells missing:\n%s", out.String())
	}
}
