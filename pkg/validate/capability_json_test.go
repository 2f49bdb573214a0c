package validate

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzJSONSplit checks the member/element splitter against encoding/json on valid JSON.
func FuzzJSONSplit(f *testing.F) {
	for _, seed := range []string{`{"a":1,"b":[1,{"c":"]"}],"d\"":"x\\"}`, ` [ 1 , "a,b" , {} , [] , null , -1.5e3 ] `, `{}`, `[]`, `{"k":{"n":{"m":[]}} }`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		doc := bytes.TrimLeft([]byte(raw), jsonSpace)
		if !json.Valid(doc) {
			return
		}
		if members, ok := objectMembers(doc); ok {
			var want map[string]json.RawMessage
			if err := json.Unmarshal(doc, &want); err != nil {
				t.Fatalf("object split, but encoding/json says %v", err)
			}
			got := map[string]json.RawMessage{}
			for _, m := range members { // encoding/json keeps the last of repeated members
				got[m.name] = m.value
			}
			compareJSON(t, got, want)
		}
		if elems, ok := arrayElements(doc); ok {
			var want []json.RawMessage
			if err := json.Unmarshal(doc, &want); err != nil {
				t.Fatalf("array split, but encoding/json says %v", err)
			}
			if len(elems) != len(want) {
				t.Fatalf("%d elements, encoding/json %d", len(elems), len(want))
			}
			for i := range want {
				compareJSON(t, json.RawMessage(elems[i]), want[i])
			}
		}
	})
}

func compareJSON(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("got %s, want %s", g, w)
	}
}
