package testenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcMemMiB reads a memory field of /proc/<pid>/status in MiB: "VmRSS" (resident now) or
// "VmHWM" (the peak), as the kernel counts a process's memory.
func ProcMemMiB(pid int, field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == field+":" && f[2] == "kB" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
