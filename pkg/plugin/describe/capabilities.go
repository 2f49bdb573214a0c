package describe

import (
	"sort"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// pendingSuffix marks an override the reconciler has not yet made effective in status.
const pendingSuffix = " (not yet applied)"

// Capabilities are the effective capabilities of status, with the annotation overrides
// (under either prefix) shown with their annotation as source. An override whose value status
// does not show yet is listed with its value and the source marked "(not yet applied)".
func Capabilities(ic *v1alpha1.ImportedCluster) []v1alpha1.CapabilityStatus {
	byName := map[string]v1alpha1.CapabilityStatus{}
	for _, c := range ic.Status.Capabilities {
		byName[c.Name] = c
	}
	keys := make([]string, 0, len(ic.Annotations))
	for k := range ic.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name, ok := overrideName(key)
		if !ok {
			continue
		}
		value := ic.Annotations[key]
		cur, known := byName[name]
		switch {
		case known && cur.Value == value && isOverride(cur.Source):
			// Status already credits an annotation (both prefixes may carry the same value).
		case known && cur.Value == value:
			byName[name] = v1alpha1.CapabilityStatus{Name: name, Value: value, Source: key}
		default:
			byName[name] = v1alpha1.CapabilityStatus{Name: name, Value: value, Source: key + pendingSuffix}
		}
	}
	out := make([]v1alpha1.CapabilityStatus, 0, len(byName))
	for _, c := range byName {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func overrideName(key string) (string, bool) {
	for _, prefix := range []string{v1alpha1.CapabilityPrefix, v1alpha1.CapabilityPrefixCattle} {
		if name, ok := strings.CutPrefix(key, prefix); ok && name != "" {
			return name, true
		}
	}
	return "", false
}

func isOverride(source string) bool {
	_, ok := overrideName(source)
	return ok
}
