package access

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer stolen")
	h.Set("Impersonate-User", "admin")
	h.Add("Impersonate-Group", "system:masters")
	h.Set("Impersonate-Uid", "1")
	h.Set("Impersonate-Extra-Scopes", "x")
	h["impersonate-user"] = []string{"raw-lowercase"} // not canonical: still dropped
	h.Set("X-Remote-User", "admin")
	h.Set("X-Remote-Group", "system:masters")
	h.Set("X-Remote-Extra-Scopes", "x")
	h.Set("X-Custom-User", "admin") // a front proxy configured with other names
	h.Set("Connection", "Upgrade, X-Smuggle, impersonate-user")
	h.Set("Upgrade", "websocket")
	h.Set("X-Smuggle", "1")
	h.Set("Keep-Alive", "timeout=5")
	h.Set("Proxy-Authorization", "Basic x")
	h.Set("Accept", "application/json")
	h.Set("Sec-Websocket-Protocol", "v5.channel.k8s.io")
	Scrub(h, "X-Custom-")
	want := http.Header{
		"Accept":                 {"application/json"},
		"Sec-Websocket-Protocol": {"v5.channel.k8s.io"},
		"Connection":             {"Upgrade"},
		"Upgrade":                {"websocket"},
	}
	if !equal(h, want) {
		t.Errorf("scrubbed headers:\n%v\nwant\n%v", h, want)
	}
}

// The CVE-2021-31999 pattern: a header the gateway sets must survive a client naming it in
// Connection, because Scrub runs first and Apply after.
func TestApplyAfterScrubSurvivesConnection(t *testing.T) {
	h := http.Header{}
	h.Set("Connection", "Impersonate-User, Impersonate-Group, Impersonate-Extra-Gateway.kimport.dev%2Fhub-User")
	h.Set("Impersonate-Group", "system:masters")
	Scrub(h)
	imp := Impersonation{User: "alice", Groups: []string{"sre"}, HubUser: "alice"}
	Apply(h, imp)
	if h.Get("Connection") != "" {
		t.Errorf("Connection kept: %q", h.Get("Connection"))
	}
	got, err := Parse(h)
	if err != nil || got.User != "alice" || !slices.Equal(got.Groups, []string{"sre"}) || got.HubUser != "alice" {
		t.Errorf("Parse = %+v, %v", got, err)
	}
	if v := h.Get("Impersonate-Extra-gateway.kimport.dev%2Fhub-user"); v != "alice" {
		t.Errorf("hub user extra %q in %v", v, h)
	}
}

func TestParseRefusesOtherImpersonation(t *testing.T) {
	for _, extra := range []http.Header{
		{"Impersonate-Uid": {"1"}},
		{"Impersonate-Extra-Scopes": {"x"}},
		{"Impersonate-User": {"a", "b"}},
	} {
		h := http.Header{}
		Apply(h, Impersonation{User: "alice", HubUser: "alice"})
		for k, v := range extra {
			h[k] = v
		}
		if imp, err := Parse(h); err == nil {
			t.Errorf("Parse accepted %v: %+v", extra, imp)
		}
	}
}

// FuzzScrub: after Scrub and Apply, the only impersonation is the gateway's, nothing
// authenticates, no front-proxy header and no header named in Connection is left.
func FuzzScrub(f *testing.F) {
	f.Add("Connection", "Impersonate-User", "Impersonate-User", "admin")
	f.Add("Connection", "upgrade, x-a", "Upgrade", "SPDY/3.1")
	f.Add("impersonate-group", "system:masters", "x-remote-user", "admin")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		h := http.Header{}
		h[k1] = []string{v1}
		h[k2] = append(h[k2], v2)
		var named []string
		//lint:ignore SA1008 the fuzzer's header map holds non-canonical keys too
		for _, v := range append(h.Values("Connection"), h["connection"]...) {
			for _, n := range strings.Split(v, ",") {
				named = append(named, strings.ToLower(strings.TrimSpace(n)))
			}
		}
		Scrub(h)
		Apply(h, Impersonation{User: "alice", HubUser: "alice"})
		imp, err := Parse(h)
		if err != nil || imp.User != "alice" || len(imp.Groups) != 0 || imp.HubUser != "alice" {
			t.Fatalf("after Scrub and Apply: %+v, %v (headers %v)", imp, err, h)
		}
		for key := range h {
			lower := strings.ToLower(key)
			if lower == "authorization" || strings.HasPrefix(lower, "x-remote-") {
				t.Fatalf("kept %q", key)
			}
			if slices.Contains(named, lower) && lower != "upgrade" && !strings.HasPrefix(lower, "impersonate-") {
				t.Fatalf("kept %q, named in Connection", key)
			}
		}
	})
}

func equal(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
