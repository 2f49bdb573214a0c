package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// IngressCapability is one element of the ingressCapabilities capability.
type IngressCapability struct {
	IngressProvider string `json:"ingressProvider"`
	// CustomDefaultBackend is nil when absent or null (unknown).
	CustomDefaultBackend *bool `json:"customDefaultBackend,omitempty"`
}

// LoadBalancerCapability is the value of the loadBalancerCapabilities capability.
type LoadBalancerCapability struct {
	// Enabled is nil when absent or null (unknown).
	Enabled  *bool  `json:"enabled,omitempty"`
	Provider string `json:"provider,omitempty"`
	// ProtocolsSupported holds TCP, UDP and SCTP at most once each; never nil once parsed.
	ProtocolsSupported   []string `json:"protocolsSupported"`
	HealthCheckSupported bool     `json:"healthCheckSupported"`
}

const (
	ingressShape      = `a JSON array of {"ingressProvider": string, "customDefaultBackend": true|false|null}, e.g. [{"ingressProvider":"Nginx"}]`
	ingressEntryShape = `an object {"ingressProvider": string, "customDefaultBackend": true|false|null}`
	loadBalancerShape = `a JSON object {"enabled": true|false|null, "provider": string, "protocolsSupported": ["TCP"|"UDP"|"SCTP"], "healthCheckSupported": true|false}`
)

// Protocols a load balancer may support.
var lbProtocols = []string{"TCP", "UDP", "SCTP"}

// parseIngress reads ingressCapabilities. An empty array is a valid value (no ingress).
func parseIngress(key, raw string, r *Result) (any, bool) {
	doc, ok := jsonDocument(key, raw, '[', ingressShape, r)
	if !ok {
		return nil, false
	}
	elems, _ := arrayElements(doc)
	out := make([]IngressCapability, 0, len(elems))
	allOK := true
	for i, elem := range elems {
		at := jsonPath{key: key, index: i}
		members, isObject := objectMembers(elem)
		if !isObject {
			r.refuse(field.Invalid(at.path(), jsonShown(string(elem)), "must be "+ingressEntryShape))
			allOK = false
			continue
		}
		o := newObjectReader(at, r, "ingressProvider", "customDefaultBackend")
		var ic IngressCapability
		for _, m := range members {
			switch o.member(m) {
			case 0:
				if name, ok := o.str(m.name, m.value); ok && name == "" {
					o.fail(field.Invalid(at.path().Child(m.name), name, `must name the ingress controller, e.g. "Nginx"`))
				} else {
					ic.IngressProvider = name
				}
			case 1:
				ic.CustomDefaultBackend = o.boolean(m.name, m.value, true)
			}
		}
		if !o.given("ingressProvider") {
			o.fail(field.Required(at.path().Child("ingressProvider"), `name the ingress controller, e.g. "Nginx"`))
		}
		allOK = allOK && o.ok
		out = append(out, ic)
	}
	return out, allOK
}

// parseLoadBalancer reads loadBalancerCapabilities. Every member is optional.
func parseLoadBalancer(key, raw string, r *Result) (any, bool) {
	doc, ok := jsonDocument(key, raw, '{', loadBalancerShape, r)
	if !ok {
		return nil, false
	}
	members, _ := objectMembers(doc)
	o := newObjectReader(jsonPath{key: key, index: -1}, r, "enabled", "provider", "protocolsSupported", "healthCheckSupported")
	lb := LoadBalancerCapability{ProtocolsSupported: []string{}}
	for _, m := range members {
		switch o.member(m) {
		case 0:
			lb.Enabled = o.boolean(m.name, m.value, true)
		case 1:
			lb.Provider, _ = o.str(m.name, m.value)
		case 2:
			lb.ProtocolsSupported = o.protocols(m.name, m.value)
		case 3:
			if b := o.boolean(m.name, m.value, false); b != nil {
				lb.HealthCheckSupported = *b
			}
		}
	}
	return lb, o.ok
}

// protocols reads member name's value v, a JSON array of distinct protocol names.
func (o *objectReader) protocols(name string, v []byte) []string {
	elems, isArray := arrayElements(v)
	if !isArray {
		o.fail(field.Invalid(o.at.path().Child(name), jsonShown(string(v)), `must be an array of "TCP", "UDP" or "SCTP"`))
		return []string{}
	}
	out := make([]string, 0, len(elems))
	for i, elem := range elems {
		protocol, isString := jsonString(elem)
		switch {
		case !isString:
			o.fail(field.Invalid(o.at.path().Child(name).Index(i), jsonShown(string(elem)), "must be a string"))
		case !contains(lbProtocols, protocol):
			o.fail(field.NotSupported(o.at.path().Child(name).Index(i), shown(protocol), lbProtocols))
		case contains(out, protocol):
			o.fail(field.Duplicate(o.at.path().Child(name).Index(i), protocol))
		default:
			out = append(out, protocol)
		}
	}
	return out
}
