package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Helpers for the JSON-valued capabilities. They decode member by member instead of into a
// struct because encoding/json matches field names case-insensitively, silently takes the
// last of duplicated members, accepts null for any type, and reports type errors without
// array indices; each of those is refused here with the exact path of the member.

// jsonDocument checks that raw is exactly one JSON value of the wanted kind ('[' or '{'),
// with nothing but whitespace after it. shape describes what is accepted, for messages.
func jsonDocument(key, raw string, want byte, shape string, r *Result) ([]byte, bool) {
	refuse := func(detail string) ([]byte, bool) {
		r.refuse(field.Invalid(annotationsPath.Key(key), jsonShown(raw), detail))
		return nil, false
	}
	doc := bytes.TrimLeft([]byte(raw), jsonSpace)
	if len(doc) == 0 {
		return refuse("must be " + shape + dropHint)
	}
	if !json.Valid(doc) { // the slow path only explains what is wrong
		return refuse(jsonProblem(raw, shape))
	}
	if doc[0] != want {
		return refuse("must be " + shape)
	}
	return doc, true
}

const jsonSpace = " \t\r\n"

// jsonProblem says why raw, which is not one valid JSON value, is refused.
func jsonProblem(raw, shape string) string {
	dec := json.NewDecoder(strings.NewReader(raw))
	var doc json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.As(err, &syntax):
			return fmt.Sprintf("is not valid JSON (%v, at byte %d); must be %s", err, syntax.Offset, shape)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return "is not valid JSON (it ends early); must be " + shape
		default:
			return fmt.Sprintf("is not valid JSON (%v); must be %s", err, shape)
		}
	}
	end := dec.InputOffset()
	return fmt.Sprintf("has data after the JSON value at byte %d (%q); must be only %s", end, shown(strings.TrimLeft(raw[end:], jsonSpace)), shape)
}

// jsonShown is how a message repeats a JSON value: verbatim when it is one readable line of
// valid UTF-8, else quoted.
func jsonShown(raw string) any {
	if strings.TrimSpace(raw) == "" || !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(c rune) bool { return c < ' ' || c == 0x7f }) {
		return shown(raw)
	}
	return rawValue(raw)
}

// jsonMember is one member of a JSON object, in document order.
type jsonMember struct {
	name  string
	value []byte
}

// objectMembers lists the members of raw, a valid JSON value; false if not an object.
func objectMembers(raw []byte) ([]jsonMember, bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	members := make([]jsonMember, 0, 4)
	i := skipSpace(raw, 1)
	for raw[i] != '}' {
		keyEnd := valueEnd(raw, i)
		name, _ := jsonString(raw[i:keyEnd])
		i = skipSpace(raw, skipSpace(raw, keyEnd)+1) // past ':'
		end := valueEnd(raw, i)
		members = append(members, jsonMember{name: name, value: raw[i:end]})
		i = skipSpace(raw, end)
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return members, true
}

// arrayElements lists the elements of raw, a valid JSON value; false if not an array.
func arrayElements(raw []byte) ([][]byte, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	elems := [][]byte{}
	i := skipSpace(raw, 1)
	for raw[i] != ']' {
		end := valueEnd(raw, i)
		elems = append(elems, raw[i:end])
		i = skipSpace(raw, end)
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return elems, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(jsonSpace, b[i]) >= 0 {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i]; b must be valid.
func valueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 { // end of the enclosing value: a scalar ended here
				return i
			}
		case ',', ' ', '\t', '\r', '\n', ':':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// jsonPath locates a JSON value inside a capability annotation: the annotation itself, or an
// element of its top-level array. It becomes a field.Path only when a message needs one, so
// checking a well-formed value builds no paths.
type jsonPath struct {
	key   string
	index int // -1: the annotation's value itself
}

func (jp jsonPath) path() *field.Path {
	p := annotationsPath.Key(jp.key)
	if jp.index >= 0 {
		p = p.Index(jp.index)
	}
	return p
}

// objectReader walks an object's members, refusing duplicated and unknown ones.
type objectReader struct {
	at    jsonPath
	known []string // at most 8
	seen  uint8    // bit i: known[i] was given
	r     *Result
	ok    bool
}

func newObjectReader(at jsonPath, r *Result, known ...string) objectReader {
	return objectReader{at: at, known: known, r: r, ok: true}
}

// member returns the index of m's name in known, or -1 after refusing m as unknown or
// duplicated.
func (o *objectReader) member(m jsonMember) int {
	i := index(o.known, m.name)
	switch {
	case i < 0:
		o.fail(unknownName(o.at.path().Child(m.name), m.name, o.known, "field"))
	case o.seen&(1<<i) != 0:
		o.fail(&field.Error{Type: field.ErrorTypeDuplicate, Field: o.at.path().Child(m.name).String(),
			BadValue: jsonShown(string(m.value)), Detail: "field given more than once; keep one"})
		return -1
	default:
		o.seen |= 1 << i
	}
	return i
}

func (o *objectReader) given(name string) bool { return o.seen&(1<<index(o.known, name)) != 0 }

func (o *objectReader) fail(err *field.Error) {
	o.r.refuse(err)
	o.ok = false
}

// boolean reads member name's value v: true/false, and null when nullable (as nil).
func (o *objectReader) boolean(name string, v []byte, nullable bool) *bool {
	switch string(v) {
	case "true", "false":
		b := v[0] == 't'
		return &b
	case "null":
		if nullable {
			return nil
		}
	}
	accepted := "true or false"
	if nullable {
		accepted = "true, false or null"
	}
	o.fail(field.Invalid(o.at.path().Child(name), jsonShown(string(v)), "must be "+accepted))
	return nil
}

// str reads member name's value v, a JSON string.
func (o *objectReader) str(name string, v []byte) (string, bool) {
	s, ok := jsonString(v)
	if !ok {
		o.fail(field.Invalid(o.at.path().Child(name), jsonShown(string(v)), "must be a string"))
	}
	return s, ok
}

// jsonString decodes v, a valid JSON value, if it is a string (invalid UTF-8 becomes
// U+FFFD, as encoding/json, which Rancher uses, does).
func jsonString(v []byte) (string, bool) {
	if v[0] != '"' {
		return "", false
	}
	if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) { // as encoding/json would read it
		return string(inner), true
	}
	var s string
	return s, json.Unmarshal(v, &s) == nil
}

func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool { return index(list, s) >= 0 }
