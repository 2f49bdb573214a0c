package k3s

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Mask replaces a secret value, as K3s itself writes it.
const Mask = "********"

// K3s redacts only the flags it knows (--token, --agent-token, --datastore-endpoint,
// --etcd-s3-secret-key, K3S_TOKEN, …); an older K3s redacts nothing, and --vpn-auth, the
// arguments passed through to Kubernetes and variables K3s does not know carry secrets too.
// So what follows decides by the shape of a name or value, never by a list of known flags,
// and when unsure it masks.

// secretStems make a word secret wherever they occur in it: "sslpassword", "clientsecret",
// "accesstoken". "secrets" matches too, so --secrets-encryption-provider's value is masked:
// an accepted false positive.
var secretStems = []string{"token", "secret", "passw", "passphrase", "credential"}

// secretEndings make a word secret when it is one, ends with one, or ends with its plural:
// "key", "apikey", "joinkey", "keys", "auth", "oauth", "pass", "pwd", "cred", "creds". They
// are too short to count inside a word: "keyring", "authorization", "passthrough" are harmless.
var secretEndings = []string{"key", "auth", "pass", "pwd", "cred"}

// pathWords, as a name's last word, say its value is where a secret is kept (--token-file,
// --datastore-keyfile, --image-credential-provider-config), which is not itself secret.
var pathWords = []string{"file", "dir", "path", "config"}

// publicWords name values that anyone who can read the Node sees anyway (--node-label,
// --node-taint, kubelet's node-labels and register-with-taints): masking them hides nothing,
// and a taint's key=value:Effect would otherwise read as a secret "key".
var publicWords = []string{"label", "labels", "taint", "taints"}

// nameKind is what a flag, variable or list key's name says of its value.
type nameKind int

const (
	plainName      nameKind = iota // may hold secrets inside: see redactValue
	publicName                     // public: only secret value patterns are masked
	secretName                     // masked
	secretPathName                 // masked unless it is a path
)

// SecretName says whether a flag, environment variable or list key's name looks secret:
// it is -t (K3s's short --token), or one of its words (see nameWords) contains token,
// secret, passw, passphrase or credential, or ends with key, auth, pass, pwd or cred or
// their plural, or the words name a connection string (dsn, datastore endpoint: a DSN can
// hold its password in forms no URL rule finds, so K3s masks it whole too).
func SecretName(name string) bool { return kindOf(name) >= secretName }

func kindOf(name string) nameKind {
	if strings.HasPrefix(name, "-") && strings.TrimLeft(name, "-") == "t" {
		return secretName
	}
	words := nameWords(name)
	for i, w := range words {
		if secretWord(w) || w == "dsn" || w == "endpoint" && i > 0 && words[i-1] == "datastore" {
			if slices.Contains(pathWords, words[len(words)-1]) {
				return secretPathName
			}
			return secretName
		}
	}
	for _, w := range words {
		if slices.Contains(publicWords, w) {
			return publicName
		}
	}
	return plainName
}

func secretWord(w string) bool {
	for _, s := range secretStems {
		if strings.Contains(w, s) {
			return true
		}
	}
	for _, e := range secretEndings {
		if strings.HasSuffix(w, e) || strings.HasSuffix(w, e+"s") {
			return true
		}
	}
	return false
}

// nameWords splits a name into lower-case words at every rune that is not a letter or digit
// and at camelCase humps: "--etcd-s3-secret-key", "K3S_AGENT_TOKEN", "joinKey", "APIKey" give
// [etcd s3 secret key], [k3s agent token], [join key], [api key]. A word ending in a path
// word is split once more, so that --datastore-keyfile reads like --tls-key-file.
func nameWords(name string) []string {
	var words []string
	runes := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 {
			words = append(words, splitPathWord(strings.ToLower(string(runes[start:end])))...)
			start = -1
		}
	}
	for i, r := range runes {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush(i)
			continue
		case start >= 0 && unicode.IsUpper(r) && camelHump(runes, i):
			flush(i)
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(runes))
	return words
}

// camelHump says whether the upper-case rune at i, inside a word, starts a new one:
// joinKey, s3SecretKey and APIKey, but not K3S or AWS.
func camelHump(runes []rune, i int) bool {
	prev := runes[i-1]
	nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
	return unicode.IsLower(prev) || nextLower && (unicode.IsUpper(prev) || unicode.IsDigit(prev))
}

func splitPathWord(w string) []string {
	for _, p := range pathWords {
		if len(w) > len(p) && strings.HasSuffix(w, p) {
			return []string{strings.TrimSuffix(w, p), p}
		}
	}
	return []string{w}
}

// RedactArgs returns a copy of K3s launch arguments, element for element, with every secret
// masked. K3s writes --flag=value as two elements, so a flag's value is the next element
// unless that is a flag; after a secret-looking flag only a long flag or a one-letter one
// such as -t counts, since a random token may look like -abc.
func RedactArgs(args []string) []string {
	out := make([]string, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !flag.MatchString(arg) {
			out[i] = redactStray(i, arg)
			continue
		}
		out[i] = arg
		name, value, inline := strings.Cut(arg, "=")
		switch {
		case inline:
			out[i] = name + "=" + redactNamed(name, value)
		case i+1 < len(args) && takesValue(name, args[i+1]):
			out[i+1] = redactNamed(name, args[i+1])
			i++
		}
	}
	return out
}

var (
	// flag is a flag as K3s's command line parser takes one: one or two dashes and a name.
	// Anything else starting with '-' (-1, -----BEGIN …) is a value.
	flag = regexp.MustCompile(`^--?[A-Za-z][A-Za-z0-9_.-]*(=|$)`)
	// certainFlag is a long flag or a one-letter one: never a secret value.
	certainFlag = regexp.MustCompile(`^(--[A-Za-z][A-Za-z0-9_.-]*|-[A-Za-z])(=|$)`)
)

func takesValue(name, next string) bool {
	if SecretName(name) {
		return !certainFlag.MatchString(next)
	}
	return !flag.MatchString(next)
}

// redactStray redacts an element no flag claims. The first is the subcommand; any other can
// only be the rest of a value paired wrongly (--secrets-encryption -token x: "-token" taken
// as the boolean's value), so it is masked.
func redactStray(i int, arg string) string {
	if i == 0 {
		return redactValue(arg)
	}
	return Mask
}

// RedactEnv returns a copy of the K3s environment with every secret masked.
func RedactEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = redactNamed(k, v)
	}
	return out
}

// redactNamed redacts value as the value of the flag, variable or list key name.
func redactNamed(name, value string) string {
	switch kind := kindOf(name); kind {
	case secretName, secretPathName:
		return maskSecret(kind, value)
	case publicName:
		return redactPatterns(value)
	default:
		return redactValue(value)
	}
}

// maskSecret is what shows of the value of a secret-looking name: a boolean, which cannot be
// a credential (anonymous-auth=false, --secrets-encryption true), or a path under a path
// name. Anything else, including a token put where its file's path belongs, is masked.
func maskSecret(kind nameKind, value string) string {
	if strings.EqualFold(value, "true") || strings.EqualFold(value, "false") {
		return value
	}
	if kind == secretPathName {
		if p := redactValue(value); looksLikePath(p) {
			return p
		}
	}
	return Mask
}

// looksLikePath says whether v is an absolute or explicitly relative path, Unix or Windows.
func looksLikePath(v string) bool {
	for _, prefix := range []string{"/", "./", "../"} {
		if strings.HasPrefix(v, prefix) {
			return true
		}
	}
	return len(v) >= 3 && unicode.IsLetter(rune(v[0])) && v[1] == ':' && (v[2] == '\\' || v[2] == '/')
}

// listSeparators end an element of a list (a,b), a query (?a=b&c=d;e=f#g) or a
// space-separated DSN; whitespace is the set regexp's \s matches.
const (
	whitespace     = " \t\n\f\r"
	listSeparators = ",&;?#" + whitespace
)

// redactValue masks the secrets inside a value whose name does not look secret: the
// patterns of redactPatterns, then, in every list or query element, what follows a
// secret-looking key.
func redactValue(v string) string {
	v = redactPatterns(v)
	var b strings.Builder
	for v != "" {
		end := strings.IndexAny(v, listSeparators)
		if end < 0 {
			b.WriteString(redactElement(v))
			break
		}
		b.WriteString(redactElement(v[:end]))
		b.WriteByte(v[end])
		v = v[end+1:]
	}
	return b.String()
}

// redactElement masks, in key=value, everything after the first key that looks secret. Keys
// nest as in --kube-apiserver-arg=oidc-client-secret=x or --vpn-auth's joinKey=x, so each
// part before an '=' is a key; a public key (a label or taint) ends the search.
func redactElement(e string) string {
	for start := 0; ; {
		eq := strings.IndexByte(e[start:], '=')
		if eq < 0 {
			return e
		}
		key, valueStart := e[start:start+eq], start+eq+1
		switch kind := kindOf(key); kind {
		case secretName, secretPathName:
			return e[:valueStart] + maskSecret(kind, e[valueStart:])
		case publicName:
			return e
		}
		start = valueStart
	}
}

var (
	// k3sToken is K3s's secure token format, K10<CA hash>::<user>:<password>, to the end of
	// its list element: a secret whatever holds it.
	k3sToken = regexp.MustCompile(`K10[0-9a-fA-F]{64}::[^,&;?#\s]*`)
	// bareUserinfo is user:password@ without a scheme (HTTP_PROXY=bob:pw@proxy:3128) at the
	// start of a value or element, up to its last '@'; a run with '/' is an image reference.
	bareUserinfo = regexp.MustCompile(`(^|[=,&;?#\s])[^/=,&;?#\s]*:[^/=,&;?#\s]*@`)
)

// redactPatterns masks what is secret whatever its name says: K3s tokens, and the userinfo
// of URLs (scheme://user:password@host) and of bare user:password@host.
func redactPatterns(v string) string {
	v = k3sToken.ReplaceAllString(v, Mask)
	v = maskURLUserinfo(v)
	return bareUserinfo.ReplaceAllString(v, "${1}"+Mask+"@")
}

// maskURLUserinfo masks everything before the last '@' of each URL's authority, which ends
// at '/', '?', '#' or whitespace: a password may hold '@', ':', ',' but not those.
func maskURLUserinfo(v string) string {
	var b strings.Builder
	for {
		i := strings.Index(v, "://")
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		rest := v[i+3:]
		authority := rest
		if end := strings.IndexAny(rest, "/?#"+whitespace); end >= 0 {
			authority = rest[:end]
		}
		b.WriteString(v[:i+3])
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			b.WriteString(Mask)
			rest = rest[at:]
		}
		v = rest
	}
}
