package common

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IsTerminal says whether w is a terminal: verbs then show ✓/✗ and redraw progress lines;
// otherwise (pipes, files, CI logs, buffers) they print plain lines.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
