package validate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Capability names: the part of the annotation key after the prefix, as Rancher reads them.
const (
	IngressCapabilities      = "ingressCapabilities"
	LoadBalancerCapabilities = "loadBalancerCapabilities"
	NodePoolScalingSupported = "nodePoolScalingSupported"
	NodePortRange            = "nodePortRange"
	PSPEnabled               = "pspEnabled"
	TaintSupport             = "taintSupport"
)

// MaxCapabilityValue bounds a capability annotation's value, in bytes.
const MaxCapabilityValue = 4096

// Capability is one well-formed capability override. Value's type depends on Name:
//
//	ingressCapabilities       []IngressCapability (never nil)
//	loadBalancerCapabilities  LoadBalancerCapability
//	nodePoolScalingSupported  bool
//	pspEnabled                bool
//	taintSupport              *bool (nil: the empty value, which clears the field)
//	nodePortRange             PortRange
type Capability struct {
	Name string
	// Key is the annotation the value came from. When both prefixes carry it (with equal
	// values), Key uses v1alpha1.CapabilityPrefix, the one Rancher's code reads.
	Key   string
	Value any
}

// Text is the canonical annotation value of c: what `capabilities set` should write.
// Parsing it gives back an equal Value without warnings.
func (c Capability) Text() string {
	switch v := c.Value.(type) {
	case bool:
		return strconv.FormatBool(v)
	case *bool:
		if v == nil {
			return ""
		}
		return strconv.FormatBool(*v)
	case PortRange:
		return v.String()
	default:
		b, err := json.Marshal(v)
		if err != nil { // the value types above always marshal
			panic(fmt.Sprintf("capability %s: %v", c.Name, err))
		}
		return string(b)
	}
}

// parseFunc reads the value raw of the capability annotation key, reporting into r.
type parseFunc func(key, raw string, r *Result) (any, bool)

var capabilityParsers = map[string]parseFunc{
	IngressCapabilities:      parseIngress,
	LoadBalancerCapabilities: parseLoadBalancer,
	NodePoolScalingSupported: parseBoolAnnotation(false),
	NodePortRange:            parsePortRange,
	PSPEnabled:               parseBoolAnnotation(false),
	TaintSupport:             parseBoolAnnotation(true),
}

// capabilityNames are the keys of capabilityParsers, sorted.
var capabilityNames = [...]string{IngressCapabilities, LoadBalancerCapabilities, NodePoolScalingSupported, NodePortRange, PSPEnabled, TaintSupport}

// CapabilityNames lists every known capability name, sorted.
func CapabilityNames() []string { return append([]string(nil), capabilityNames[:]...) }

var annotationsPath = field.NewPath("metadata", "annotations")

// capabilityPrefixes are the accepted key prefixes, the one Rancher's code reads first.
var capabilityPrefixes = [2]string{v1alpha1.CapabilityPrefix, v1alpha1.CapabilityPrefixCattle}

// splitCapabilityKey returns the capability name of an annotation key and which prefix it
// uses (index into capabilityPrefixes); ok is false for keys outside both prefixes.
func splitCapabilityKey(key string) (name string, prefix int, ok bool) {
	for i, p := range capabilityPrefixes {
		if strings.HasPrefix(key, p) {
			return key[len(p):], i, true
		}
	}
	return "", 0, false
}

// ParseCapabilities checks every capability annotation (under either prefix; other
// annotations are ignored) and returns the well-formed ones by name.
//
// Refused: unknown names, values over MaxCapabilityValue, values that do not parse (see
// Capability for the types; JSON values may not have unknown or repeated fields, wrong
// types or trailing data), and one capability under both prefixes with values that differ
// once parsed. An empty value clears taintSupport; for every other capability it is
// refused (remove the annotation to drop an override), because Rancher would fail on it.
// Warnings: non-canonical booleans such as "T", and pspEnabled when kubeMinor ≥ 25
// (0 means the Kubernetes version is unknown: no warning).
func ParseCapabilities(annotations map[string]string, kubeMinor int) (map[string]Capability, Result) {
	caps, groups := parseCapabilityGroups(annotations, kubeMinor)
	var r Result
	for _, g := range groups {
		r.merge(g.result)
	}
	return caps, r
}

// capabilityGroup is what one capability name (both prefixes), or one unknown key, yields.
// Ratcheting looks at a group's keys to decide whether an update changed it.
type capabilityGroup struct {
	keys   [2]string // by prefix index; an unknown key is keys[0]
	result Result
}

func parseCapabilityGroups(annotations map[string]string, kubeMinor int) (map[string]Capability, []capabilityGroup) {
	var byName [len(capabilityNames)][2]string // keys present, by capability and prefix index
	var unknown []string
	for key := range annotations {
		name, prefix, ok := splitCapabilityKey(key)
		if !ok {
			continue
		}
		if i := index(capabilityNames[:], name); i >= 0 {
			byName[i][prefix] = key
		} else {
			unknown = append(unknown, key)
		}
	}

	var caps map[string]Capability
	var groups []capabilityGroup
	for i, name := range capabilityNames { // sorted, so results are deterministic
		if byName[i] == [2]string{} {
			continue
		}
		g, c, ok := parseCapability(name, byName[i], annotations, kubeMinor)
		if ok {
			if caps == nil {
				caps = make(map[string]Capability, len(capabilityNames))
			}
			caps[name] = c
		}
		groups = append(groups, g)
	}
	sort.Strings(unknown)
	for _, key := range unknown {
		name, _, _ := splitCapabilityKey(key)
		var r Result
		r.refuse(unknownName(annotationsPath.Key(key), name, capabilityNames[:], "capability"))
		groups = append(groups, capabilityGroup{keys: [2]string{key}, result: r})
	}
	if caps == nil {
		caps = map[string]Capability{}
	}
	return caps, groups
}

// parseCapability parses name under each prefix present and reconciles the two.
func parseCapability(name string, keys [2]string, annotations map[string]string, kubeMinor int) (capabilityGroup, Capability, bool) {
	g := capabilityGroup{keys: keys}
	var parsed [2]Capability
	var ok [2]bool
	for i, key := range keys {
		if key != "" {
			parsed[i], ok[i] = parseOne(name, key, annotations[key], &g.result)
		}
	}
	if ok[0] && ok[1] && !reflect.DeepEqual(parsed[0].Value, parsed[1].Value) {
		g.result.refuse(field.Invalid(annotationsPath.Key(keys[1]), shown(annotations[keys[1]]), fmt.Sprintf(
			"conflicts with %s (%q); keep one of the two annotations, or give both the same value",
			annotationsPath.Key(keys[0]), shown(annotations[keys[0]]))))
	}
	if len(g.result.Errors) > 0 {
		return g, Capability{}, false
	}
	c := parsed[0]
	if !ok[0] {
		c = parsed[1]
	}
	if name == PSPEnabled && kubeMinor >= 25 {
		g.result.warn("%s: PodSecurityPolicy was removed in Kubernetes 1.25 and this cluster runs 1.%d, so pspEnabled has no effect; remove the annotation",
			annotationsPath.Key(c.Key), kubeMinor)
	}
	return g, c, true
}

// parseOne parses a single annotation's value.
func parseOne(name, key, raw string, r *Result) (Capability, bool) {
	if len(raw) > MaxCapabilityValue {
		r.refuse(&field.Error{Type: field.ErrorTypeTooLong, Field: annotationsPath.Key(key).String(), Detail: fmt.Sprintf(
			"the value is %d bytes; a capability value may be at most %d bytes", len(raw), MaxCapabilityValue)})
		return Capability{}, false
	}
	v, ok := capabilityParsers[name](key, raw, r)
	return Capability{Name: name, Key: key, Value: v}, ok
}

// Capabilities applies the capability rule to an admission request: oldObj is nil on
// CREATE. On UPDATE, problems of capabilities whose annotations the update leaves as they
// were are demoted to warnings (see the package documentation), and their other warnings
// are not repeated.
func Capabilities(newObj, oldObj *v1alpha1.ImportedCluster, kubeMinor int) Result {
	return capabilitiesRule(newObj, oldObj, kubeMinor).by(RuleCapabilities)
}

func capabilitiesRule(newObj, oldObj *v1alpha1.ImportedCluster, kubeMinor int) Result {
	_, groups := parseCapabilityGroups(newObj.Annotations, kubeMinor)
	var r Result
	for _, g := range groups {
		if oldObj != nil && sameValues(g.keys, newObj.Annotations, oldObj.Annotations) {
			g.result = demoted(Result{Errors: g.result.Errors})
		}
		r.merge(g.result)
	}
	return r
}

// sameValues reports whether every key of a capability (either prefix, so a key added
// under the other prefix counts as a change) is equally present and valued in a and b.
func sameValues(keys [2]string, a, b map[string]string) bool {
	for _, key := range keys {
		if key == "" {
			continue
		}
		name, _, _ := splitCapabilityKey(key)
		for _, p := range capabilityPrefixes {
			va, inA := a[p+name]
			vb, inB := b[p+name]
			if inA != inB || va != vb {
				return false
			}
		}
	}
	return true
}
