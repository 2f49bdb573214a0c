package validate

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// unknownName refuses name at p, suggesting the closest of known (when one is close) and
// listing them all. what is "capability" or "field".
func unknownName(p *field.Path, name string, known []string, what string) *field.Error {
	detail := "unknown " + what
	if s := closest(name, known); s != "" {
		detail += fmt.Sprintf("; did you mean %q?", s)
	}
	detail += " Known: " + strings.Join(known, ", ")
	return field.Invalid(p, shown(name), detail)
}

// closest returns the candidate nearest to name (case-insensitive edit distance), or ""
// when none is near enough to be a plausible typo.
func closest(name string, candidates []string) string {
	if len(name) > 2*maxShownValue { // far longer than any candidate: no typo of one
		return ""
	}
	lower := strings.ToLower(name)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(lower, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(best)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
