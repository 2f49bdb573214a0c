package validate

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// dropHint tells how to remove an override, for values that cannot be empty.
const dropHint = "; to drop the override, remove the annotation"

// parseBoolAnnotation reads a boolean the way Rancher does (strconv.ParseBool), warning
// about forms other than "true"/"false". When nullable, "" clears the field (nil *bool);
// otherwise "" is refused, because Rancher's ParseBool would fail on it.
func parseBoolAnnotation(nullable bool) parseFunc {
	return func(key, raw string, r *Result) (any, bool) {
		if raw == "" {
			if nullable {
				return (*bool)(nil), true
			}
			r.refuse(field.Invalid(annotationsPath.Key(key), raw, "must be true or false"+dropHint))
			return nil, false
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			detail := "must be true or false"
			if nullable {
				detail += `, or "" to clear it`
			}
			r.refuse(field.Invalid(annotationsPath.Key(key), shown(raw), detail))
			return nil, false
		}
		if canonical := strconv.FormatBool(b); raw != canonical {
			r.warn("%s: %q is read as %s; write %q", annotationsPath.Key(key), raw, canonical, canonical)
		}
		if nullable {
			return &b, true
		}
		return b, true
	}
}

// PortRange is an inclusive range of ports, the parsed value of nodePortRange.
type PortRange struct{ Min, Max int }

func (pr PortRange) String() string { return fmt.Sprintf("%d-%d", pr.Min, pr.Max) }

const portRangeHint = "must be MIN-MAX with 1 ≤ MIN < MAX ≤ 65535, e.g. 30000-32767"

// parsePortRange reads MIN-MAX: decimal digits without sign, spaces or leading zeros.
func parsePortRange(key, raw string, r *Result) (any, bool) {
	refuse := func(detail string) (any, bool) {
		r.refuse(field.Invalid(annotationsPath.Key(key), shown(raw), detail))
		return nil, false
	}
	if raw == "" {
		return refuse(portRangeHint + dropHint)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '-' {
			continue
		}
		lo, okLo := parsePort(raw[:i])
		hi, okHi := parsePort(raw[i+1:])
		if !okLo || !okHi {
			break
		}
		if lo >= hi {
			return refuse(fmt.Sprintf("MIN (%d) must be lower than MAX (%d); %s", lo, hi, portRangeHint))
		}
		return PortRange{Min: lo, Max: hi}, true
	}
	return refuse(portRangeHint)
}

// parsePort reads a port number 1–65535 written in canonical decimal.
func parsePort(s string) (int, bool) {
	if len(s) == 0 || len(s) > 5 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n <= 65535
}
