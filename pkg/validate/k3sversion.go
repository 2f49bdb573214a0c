package validate

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// K3sVersion is a K3s release, vMAJOR.MINOR.PATCH+k3sN (e.g. v1.30.4+k3s1).
type K3sVersion struct {
	Major, Minor, Patch, K3s int
}

// k3sVersionHint is what a malformed version is told.
const k3sVersionHint = "must be a K3s version vX.Y.Z+k3sN, e.g. v1.30.4+k3s1"

// ParseK3sVersion reads s strictly as vX.Y.Z+k3sN (decimal numbers, no pre-release, no
// leading zeros), the form K3s reports and the system-upgrade-controller expects.
func ParseK3sVersion(s string) (K3sVersion, error) {
	bad := func() (K3sVersion, error) { return K3sVersion{}, fmt.Errorf("%q %s", shown(s), k3sVersionHint) }
	rest, ok := strings.CutPrefix(s, "v")
	if !ok {
		return bad()
	}
	core, build, ok := strings.Cut(rest, "+k3s")
	if !ok {
		return bad()
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return bad()
	}
	var nums [4]int
	for i, part := range append(parts, build) {
		n, ok := parseVersionNumber(part)
		if !ok {
			return bad()
		}
		nums[i] = n
	}
	return K3sVersion{Major: nums[0], Minor: nums[1], Patch: nums[2], K3s: nums[3]}, nil
}

// parseVersionNumber reads a non-negative decimal without sign or leading zeros.
func parseVersionNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// Compare returns -1, 0 or +1 as a is older than, the same as, or newer than b.
func (a K3sVersion) Compare(b K3sVersion) int {
	return cmp.Or(cmp.Compare(a.Major, b.Major), cmp.Compare(a.Minor, b.Minor),
		cmp.Compare(a.Patch, b.Patch), cmp.Compare(a.K3s, b.K3s))
}

func (a K3sVersion) String() string {
	return fmt.Sprintf("v%d.%d.%d+k3s%d", a.Major, a.Minor, a.Patch, a.K3s)
}

// KubeMinor returns the minor version of a Kubernetes version string such as v1.32.4,
// v1.32.4+k3s1 or 1.32, or 0 when it is not a 1.x version (0 means unknown to the rules).
func KubeMinor(version string) int {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(version, "v"), "1.")
	if !ok {
		return 0
	}
	end := 0
	for end < len(rest) && end < 4 && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(rest[:end])
	return n
}
