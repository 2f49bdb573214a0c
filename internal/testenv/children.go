package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Children lists the live processes whose parent is this process: "pid name" each.
func Children() ([]string, error) {
	self := os.Getpid()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
		s := string(data)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == self {
			out = append(out, fmt.Sprintf("%s %s", strings.Fields(s)[0], s[strings.IndexByte(s, '(')+1:end]))
		}
	}
	return out, nil
}

// AssertNoChildrenLeft registers, as the test's last cleanup, a check that every process the
// test started is gone (each must be stopped by its pid, also on failure).
func AssertNoChildrenLeft(tb testing.TB) {
	tb.Helper()
	tb.Cleanup(func() { // registered first: runs after every other cleanup
		left, err := Children()
		if err != nil {
			tb.Errorf("listing child processes: %v", err)
		}
		if len(left) > 0 {
			tb.Errorf("processes this run started are still running (pid name): %s", strings.Join(left, ", "))
		}
	})
}
