package access

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// The impersonation headers of the Kubernetes API.
const (
	ImpersonateUser        = "Impersonate-User"
	ImpersonateGroup       = "Impersonate-Group"
	ImpersonateExtraPrefix = "Impersonate-Extra-"
	impersonatePrefix      = "impersonate-"
)

// frontProxyPrefix starts the headers of the hub API server's front proxy by convention
// (X-Remote-User, X-Remote-Group, X-Remote-Extra-…); Scrub drops them whatever the hub's
// requestheader configuration names.
const frontProxyPrefix = "x-remote-"

// hopByHop are the headers that describe one connection (RFC 9110 7.6.1), and Upgrade.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// Scrub removes from h what no client may pass to a downstream: Authorization, every
// Impersonate-* header, the front proxy's X-Remote-* headers and those named in
// frontProxyHeaders (the hub's configured names, matched as prefixes), every hop-by-hop header
// and every header named in Connection, in any case. A protocol upgrade survives as
// Connection: Upgrade and Upgrade: its protocol. Only then may Apply add the gateway's own
// impersonation: a header named in Connection can no longer strip it (CVE-2021-31999), and a
// client's own cannot pass (CVE-2021-36776).
func Scrub(h http.Header, frontProxyHeaders ...string) {
	upgrade := upgradeType(h)
	drop := map[string]bool{"authorization": true}
	for _, name := range hopByHop {
		drop[strings.ToLower(name)] = true
	}
	for key, values := range h {
		if strings.EqualFold(key, "Connection") || strings.EqualFold(key, "Proxy-Connection") {
			for _, v := range values {
				for _, named := range strings.Split(v, ",") {
					// Trimmed as net/http does and as more lenient proxies do (\f, \v,
					// Unicode spaces): whichever a later hop uses, the header is gone.
					drop[strings.ToLower(textproto.TrimString(named))] = true
					drop[strings.ToLower(strings.TrimSpace(named))] = true
				}
			}
		}
	}
	for key := range h {
		lower := strings.ToLower(key)
		if drop[lower] || strings.HasPrefix(lower, impersonatePrefix) || strings.HasPrefix(lower, frontProxyPrefix) || hasAnyPrefix(lower, frontProxyHeaders) {
			delete(h, key)
		}
	}
	if upgrade != "" {
		h.Set("Connection", "Upgrade")
		h.Set("Upgrade", upgrade)
	}
}

// upgradeType is the protocol h asks to upgrade to, as net/http/httputil reads it.
func upgradeType(h http.Header) string {
	for _, v := range h.Values("Connection") {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(textproto.TrimString(token), "upgrade") {
				return h.Get("Upgrade")
			}
		}
	}
	return ""
}

func hasAnyPrefix(lower string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(lower, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// Apply sets imp's impersonation headers in a scrubbed h.
func Apply(h http.Header, imp Impersonation) {
	h.Set(ImpersonateUser, imp.User)
	for _, g := range imp.Groups {
		h.Add(ImpersonateGroup, g)
	}
	h.Set(ImpersonateExtraPrefix+escapeExtraKey(gatewayapi.HubUserExtra), imp.HubUser)
}

// Parse reads the impersonation Apply set. Any other Impersonate-* header, or a second
// user or hub user, is an error: the agent forwards nothing it cannot account for.
func Parse(h http.Header) (Impersonation, error) {
	var imp Impersonation
	extraKey := strings.ToLower(ImpersonateExtraPrefix + escapeExtraKey(gatewayapi.HubUserExtra))
	for key, values := range h {
		lower := strings.ToLower(key)
		if !strings.HasPrefix(lower, impersonatePrefix) {
			continue
		}
		switch {
		case lower == strings.ToLower(ImpersonateUser) && len(values) == 1:
			imp.User = values[0]
		case lower == strings.ToLower(ImpersonateGroup):
			imp.Groups = append(imp.Groups, values...)
		case lower == extraKey && len(values) == 1:
			imp.HubUser = values[0]
		default:
			return Impersonation{}, fmt.Errorf("unexpected header %s (%d values)", key, len(values))
		}
	}
	return imp, nil
}

// escapeExtraKey escapes an extra's key for a header name as client-go does: every byte
// that is not a legal header-name byte, and %, becomes %XX.
func escapeExtraKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c != '%' && isTokenByte(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// isTokenByte says whether c may appear in a header name (RFC 9110 token).
func isTokenByte(c byte) bool {
	return c < 0x80 && (('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0)
}

// Accept is what a forwarder that receives the gateway's requests (the agent, a peer
// replica) does with their headers: it reads the impersonation the gateway applied, checks
// it (Check), and scrubs every header that could change who the request runs as, so that
// Apply can set it again. The error says why a request is refused.
func Accept(h http.Header) (Impersonation, error) {
	imp, err := Parse(h)
	if err == nil {
		err = Check(imp)
	}
	if err != nil {
		return Impersonation{}, err
	}
	Scrub(h)
	return imp, nil
}
