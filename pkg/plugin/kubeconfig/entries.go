package kubeconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	clientcmdlatest "k8s.io/client-go/tools/clientcmd/api/latest"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
)

// MarkerExtension names the extension every entry this verb writes carries (Marker): it tells
// a later run which entries it may update, and kubectl shows it in `kubectl config view`.
const MarkerExtension = gatewayapi.Group + "/kubeconfig"

// Marker says which cluster's gateway on which hub an entry reaches.
type Marker struct {
	Cluster string `json:"cluster"`
	Hub     string `json:"hub"`
}

// Hub is the hub's context in the kubeconfig the hub was chosen from: the entries the new
// context copies.
type Hub struct {
	Context     string
	ClusterName string
	Cluster     *clientcmdapi.Cluster
	UserName    string
	User        *clientcmdapi.AuthInfo
}

// HubOf finds context's cluster and user in raw, refusing a hub that is not verified.
func HubOf(raw clientcmdapi.Config, context string) (Hub, error) {
	ctx, ok := raw.Contexts[context]
	switch {
	case context == "":
		return Hub{}, fmt.Errorf("the hub kubeconfig has no current context: pass --hub-context")
	case !ok:
		return Hub{}, fmt.Errorf("the hub kubeconfig has no context %q", context)
	}
	cluster, ok := raw.Clusters[ctx.Cluster]
	if !ok {
		return Hub{}, fmt.Errorf("the hub's context %q names cluster %q, which the kubeconfig lacks", context, ctx.Cluster)
	}
	user, ok := raw.AuthInfos[ctx.AuthInfo]
	if !ok {
		return Hub{}, fmt.Errorf("the hub's context %q names user %q, which the kubeconfig lacks: the kubeconfig written would reach the hub anonymously", context, ctx.AuthInfo)
	}
	if cluster.InsecureSkipTLSVerify {
		return Hub{}, fmt.Errorf("the hub's cluster %q skips TLS verification (insecure-skip-tls-verify): your credentials would go to whoever answers; add the hub's CA (kubectl config set-cluster %s --certificate-authority=FILE --embed-certs) and remove it",
			ctx.Cluster, ctx.Cluster)
	}
	return Hub{Context: context, ClusterName: ctx.Cluster, Cluster: cluster, UserName: ctx.AuthInfo, User: user}, nil
}

// DefaultEntryName names the entries of cluster's gateway context: NAME@HUB-CONTEXT, distinct
// per hub.
func DefaultEntryName(cluster string, hub Hub) string { return cluster + "@" + hub.Context }

// gatewayCluster is the hub's cluster entry with its server moved to cluster's proxy in the
// gateway: the same CA, TLS server name, proxy and extensions (an exec plugin of the hub
// user may read them), marked.
func gatewayCluster(hub Hub, cluster string) *clientcmdapi.Cluster {
	c := hub.Cluster.DeepCopy()
	c.LocationOfOrigin = ""
	c.Server = gatewayapi.ProxyURL(hub.Cluster.Server, cluster)
	mark(&c.Extensions, Marker{Cluster: cluster, Hub: hub.Cluster.Server})
	return c
}

// copiedUser is the hub's user entry as it is (token, client certificate, exec plugin or auth
// provider; nothing minted), marked when it is written under a name of this verb.
func copiedUser(hub Hub, cluster string, marked bool) *clientcmdapi.AuthInfo {
	u := hub.User.DeepCopy()
	u.LocationOfOrigin = ""
	if marked {
		mark(&u.Extensions, Marker{Cluster: cluster, Hub: hub.Cluster.Server})
	}
	return u
}

func gatewayContext(entry, user string, m Marker) *clientcmdapi.Context {
	c := &clientcmdapi.Context{Cluster: entry, AuthInfo: user}
	mark(&c.Extensions, m)
	return c
}

func mark(exts *map[string]runtime.Object, m Marker) {
	raw, _ := json.Marshal(m) // strings only: cannot fail
	if *exts == nil {
		*exts = map[string]runtime.Object{}
	}
	(*exts)[MarkerExtension] = &runtime.Unknown{Raw: raw, ContentType: runtime.ContentTypeJSON}
}

// markerOf reads an entry's Marker; ok is false when it has none (or one that does not parse).
func markerOf(exts map[string]runtime.Object) (Marker, bool) {
	u, ok := exts[MarkerExtension].(*runtime.Unknown)
	if !ok {
		return Marker{}, false
	}
	var m Marker
	if err := json.Unmarshal(u.Raw, &m); err != nil || m.Cluster == "" {
		return Marker{}, false
	}
	return m, true
}

// Standalone is a kubeconfig holding only the context entry that reaches cluster through the
// hub's gateway: the gateway's cluster entry, a copy of the hub's user entry (its own name),
// and the context, current.
func Standalone(hub Hub, cluster, entry string) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	m := Marker{Cluster: cluster, Hub: hub.Cluster.Server}
	cfg.Clusters[entry] = gatewayCluster(hub, cluster)
	cfg.AuthInfos[hub.UserName] = copiedUser(hub, cluster, false)
	cfg.Contexts[entry] = gatewayContext(entry, hub.UserName, m)
	cfg.CurrentContext = entry
	return cfg
}

// Change is what Merge does to one entry.
type Change struct {
	// Kind is cluster, user or context.
	Kind, Name string
	// Verb is created, configured or unchanged.
	Verb string
	// Note says more, e.g. that the user entry is the hub's own.
	Note string
}

// Merge adds to start (the kubeconfig as kubectl config loads it) the entries named entry that
// reach cluster through the hub's gateway. The user is the hub's own entry when start holds
// that very entry (same name, same file: nothing is copied), else a copy named entry. An entry
// of that name that this verb did not write for cluster on this hub is refused: nothing is
// changed, and the error says how to go on. Entries already as wanted stay untouched, so a
// re-run changes nothing; a changed one keeps its file.
func Merge(start *clientcmdapi.Config, hub Hub, cluster, entry string) (*clientcmdapi.Config, []Change, error) {
	m := Marker{Cluster: cluster, Hub: hub.Cluster.Server}
	next := start.DeepCopy()
	var changes []Change
	user := entry
	if own, ok := start.AuthInfos[hub.UserName]; ok && sameFile(own.LocationOfOrigin, hub.User.LocationOfOrigin) {
		user = hub.UserName
		changes = append(changes, Change{Kind: "user", Name: user, Verb: "unchanged", Note: "the hub's own user entry"})
	}
	type step struct {
		kind     string
		old, new any
		put      func()
	}
	c := gatewayCluster(hub, cluster)
	steps := []step{{"cluster", existing(start.Clusters[entry]), c, func() { next.Clusters[entry] = c }}}
	if user == entry {
		u := copiedUser(hub, cluster, true)
		steps = append(steps, step{"user", existing(start.AuthInfos[entry]), u, func() { next.AuthInfos[entry] = u }})
	}
	ctx := gatewayContext(entry, user, m)
	steps = append(steps, step{"context", existing(start.Contexts[entry]), ctx, func() { next.Contexts[entry] = ctx }})
	for _, s := range steps {
		if s.old == nil {
			continue
		}
		_, exts := entryMeta(s.old)
		if got, ok := markerOf(exts); !ok || got != m {
			return nil, nil, &TakenError{Kind: s.kind, Name: entry, Cluster: cluster, Hub: hub.Cluster.Server, Theirs: got, Marked: ok}
		}
	}
	for _, s := range steps {
		verb := "created"
		if s.old != nil {
			if same(s.old, s.new) {
				changes = append(changes, Change{Kind: s.kind, Name: entry, Verb: "unchanged"})
				continue
			}
			verb = "configured"
			oldFile, _ := entryMeta(s.old)
			newFile, _ := entryMeta(s.new)
			*newFile = *oldFile
		}
		s.put()
		changes = append(changes, Change{Kind: s.kind, Name: entry, Verb: verb})
	}
	return next, changes, nil
}

// existing is e as an entry, nil when absent.
func existing[E *clientcmdapi.Cluster | *clientcmdapi.AuthInfo | *clientcmdapi.Context](e E) any {
	if e == nil {
		return nil
	}
	return e
}

// entryMeta is an entry's location of origin (to set) and extensions.
func entryMeta(obj any) (*string, map[string]runtime.Object) {
	switch e := obj.(type) {
	case *clientcmdapi.Cluster:
		return &e.LocationOfOrigin, e.Extensions
	case *clientcmdapi.AuthInfo:
		return &e.LocationOfOrigin, e.Extensions
	case *clientcmdapi.Context:
		return &e.LocationOfOrigin, e.Extensions
	}
	panic(fmt.Sprintf("not a kubeconfig entry: %T", obj))
}

// TakenError refuses to overwrite an entry of the chosen name that is not this cluster's
// gateway entry on this hub.
type TakenError struct {
	Kind, Name, Cluster, Hub string
	// Theirs is the marker the entry carries, when Marked.
	Theirs Marker
	Marked bool
}

func (e *TakenError) Error() string {
	whose := "it was not written by kubectl import kubeconfig"
	if e.Marked {
		whose = fmt.Sprintf("it reaches cluster %s through the hub at %s", e.Theirs.Cluster, e.Theirs.Hub)
	}
	return fmt.Sprintf("%s %q already exists in your kubeconfig and %s, not %s through %s: nothing was changed; "+
		"choose another name with --context-name, or remove it first (kubectl config delete-%s %s)", e.Kind, e.Name, whose, e.Cluster, e.Hub, e.Kind, e.Name)
}

// same compares two entries of one kind as kubectl writes them, wherever each was read from.
func same(a, b any) bool {
	ja, errA := entryJSON(a)
	jb, errB := entryJSON(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// entryJSON is an entry in its kubeconfig (v1) form without its location of origin, as
// canonical JSON (sorted keys: an extension read back from a file compares equal).
func entryJSON(obj any) ([]byte, error) {
	var c, v any
	switch e := obj.(type) {
	case *clientcmdapi.Cluster:
		c, v = e.DeepCopy(), &clientcmdv1.Cluster{}
	case *clientcmdapi.AuthInfo:
		c, v = e.DeepCopy(), &clientcmdv1.AuthInfo{}
	case *clientcmdapi.Context:
		c, v = e.DeepCopy(), &clientcmdv1.Context{}
	}
	file, _ := entryMeta(c)
	*file = ""
	if err := clientcmdlatest.Scheme.Convert(c, v, nil); err != nil {
		return nil, err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var canonical any
	if err := json.Unmarshal(data, &canonical); err != nil {
		return nil, err
	}
	return json.Marshal(canonical)
}

// sameFile says whether two locations of origin name one file.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
