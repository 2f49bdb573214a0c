package layers

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docFloor is one numbered item of the Layers section of docs/architecture.md: its floor
// (by title) and the backquoted names in it.
type docFloor struct {
	floor    int
	packages []string
}

var (
	itemLine = regexp.MustCompile(`^(\d+)\. \*\*([^*]+)\*\*`)
	quoted   = regexp.MustCompile("`([^`]+)`")
)

// readFloors parses the numbered list of section "## Layers": each item starts with
// "N. **Title**" and goes on over indented lines.
func readFloors(t *testing.T) []docFloor {
	t.Helper()
	b, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Layers\n")
	if !ok {
		t.Fatal("docs/architecture.md has no section ## Layers")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	byTitle := map[string]int{}
	for f, title := range floorTitles {
		byTitle[title] = f
	}
	var floors []docFloor
	var text *strings.Builder
	flush := func() {
		if text != nil {
			for _, m := range quoted.FindAllStringSubmatch(text.String(), -1) {
				floors[len(floors)-1].packages = append(floors[len(floors)-1].packages, m[1])
			}
		}
		text = nil
	}
	for _, line := range strings.Split(section, "\n") {
		if m := itemLine.FindStringSubmatch(line); m != nil {
			flush()
			n, _ := strconv.Atoi(m[1])
			f, ok := byTitle[m[2]]
			if !ok {
				t.Errorf("docs/architecture.md, Layers: floor %d %q is none of the test's %v", n, m[2], floorTitles)
			}
			floors = append(floors, docFloor{floor: f})
			text = &strings.Builder{}
			text.WriteString(line[len(m[0]):])
			continue
		}
		if text != nil && strings.HasPrefix(line, " ") {
			text.WriteString(" " + line)
			continue
		}
		flush()
	}
	flush()
	if len(floors) == 0 {
		t.Fatal("docs/architecture.md, Layers: no numbered floor found")
	}
	return floors
}
