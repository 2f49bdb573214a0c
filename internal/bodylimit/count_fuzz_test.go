package bodylimit

import (
	"encoding/json"
	"testing"
)

// FuzzCount: the object count of a body does not depend on how its reads split it, never
// exceeds its '{' bytes, and is never below the objects encoding/json decodes of a well-formed
// body (a duplicate key decodes once but is counted, as it is read, twice).
func FuzzCount(f *testing.F) {
	for _, seed := range []string{`{"a":{"b":"{\"c\":{}}"},"d":[{},{}]}`, `"\\"{"`, `{"\\\\":{}}`, `{`} {
		f.Add([]byte(seed), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		whole := (&body{}).count(data)
		cut := int(split) % (len(data) + 1)
		b := &body{}
		b.count(data[:cut])
		if parts := b.count(data[cut:]); parts != whole {
			t.Fatalf("split at %d: %d objects, whole: %d", cut, parts, whole)
		}
		braces := 0
		for _, c := range data {
			if c == '{' {
				braces++
			}
		}
		if whole > braces {
			t.Fatalf("%d objects from %d braces", whole, braces)
		}
		var v any
		if json.Unmarshal(data, &v) == nil {
			if n := objects(v); n > whole {
				t.Fatalf("counted %d objects, encoding/json found %d", whole, n)
			}
		}
	})
}

func objects(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 1
		for _, e := range v {
			n += objects(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range v {
			n += objects(e)
		}
		return n
	}
	return 0
}
