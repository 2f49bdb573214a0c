package common

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"k8s.io/cli-runtime/pkg/printers"
)

// Escape makes text that came from a downstream or an agent (condition, event and job
// messages, anything in status, values read live from a cluster) harmless on a terminal: ESC
// shows as ^[ and CR as \r, as kubectl shows them (printers.EscapeTerminal), and every other
// control character (newline and tab included: they would forge rows of a table or lines of
// a description), C1 control and invalid byte is shown as a Go escape (\n, \x07, \u009b).
// Printable text is unchanged, and Escape(Escape(s)) == Escape(s). Every human-readable
// output of the plugin passes such text through it; -o json|yaml encode it themselves.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	s = printers.EscapeTerminal(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// EscapeLines is Escape for multi-line text of the plugin's own (an error that quotes a
// downstream's message): each line is escaped, the line breaks are kept.
func EscapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || c >= 0x80 {
			return !printableUTF8(s[i:])
		}
	}
	return false
}

// printableUTF8 says whether s is valid UTF-8 without control characters.
func printableUTF8(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}
