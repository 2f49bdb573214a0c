package clustersync

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeKept: whatever a downstream sends as labels or annotations, decodeKept never
// panics, keeps only the keys asked for, at most maxKeptPerObject of them, and agrees with
// encoding/json on what a well-formed object holds.
func FuzzDecodeKept(f *testing.F) {
	for _, seed := range []string{
		`{"node-role.kubernetes.io/control-plane":"true","kubernetes.io/os":"linux"}`,
		`null`, `{}`, `{"a":1}`, `{"node-role.kubernetes.io/x":"\u0000"}`, `[]`, `{"a":"b"`, `"x"`,
		`{"node-role.kubernetes.io/a":"1","node-role.kubernetes.io/a":"2"}`,
	} {
		f.Add([]byte(seed))
	}
	keep := func(k string) bool { return strings.HasPrefix(k, "node-role.kubernetes.io/") }
	f.Fuzz(func(t *testing.T, data []byte) {
		kept, err := decodeKept(data, keep)
		if err != nil {
			return
		}
		if len(kept) > maxKeptPerObject {
			t.Fatalf("kept %d entries", len(kept))
		}
		var all map[string]string
		if json.Unmarshal(data, &all) != nil {
			return // decodeKept may accept what encoding/json refuses only by reading less of it
		}
		for k, v := range kept {
			if !keep(k) || all[k] != v {
				t.Fatalf("kept %q=%q; the object holds %q", k, v, all[k])
			}
		}
		for k := range all {
			if _, ok := kept[k]; keep(k) && !ok {
				t.Fatalf("dropped %q", k)
			}
		}
	})
}
