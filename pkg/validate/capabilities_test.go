package validate

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var bothPrefixes = []string{v1alpha1.CapabilityPrefix, v1alpha1.CapabilityPrefixCattle}

func boolPtr(b bool) *bool { return &b }

func TestParseCapabilitiesAcceptsValidValuesUnderBothPrefixes(t *testing.T) {
	cases := []struct {
		name, raw string
		want      any
	}{
		{IngressCapabilities, `[{"ingressProvider":"Nginx","customDefaultBackend":true}]`,
			[]IngressCapability{{IngressProvider: "Nginx", CustomDefaultBackend: boolPtr(true)}}},
		{IngressCapabilities, "[\n  {\"ingressProvider\": \"Traefik\", \"customDefaultBackend\": null},\n  {\"ingressProvider\": \"Nginx\"}\n]\n",
			[]IngressCapability{{IngressProvider: "Traefik"}, {IngressProvider: "Nginx"}}},
		{IngressCapabilities, `[]`, []IngressCapability{}},
		{LoadBalancerCapabilities, `{"enabled":true,"provider":"ELB","protocolsSupported":["TCP","UDP","SCTP"],"healthCheckSupported":true}`,
			LoadBalancerCapability{Enabled: boolPtr(true), Provider: "ELB", ProtocolsSupported: []string{"TCP", "UDP", "SCTP"}, HealthCheckSupported: true}},
		{LoadBalancerCapabilities, `{"enabled":null,"provider":"Azure L4 LB"}`,
			LoadBalancerCapability{Provider: "Azure L4 LB", ProtocolsSupported: []string{}}},
		{LoadBalancerCapabilities, `{}`, LoadBalancerCapability{ProtocolsSupported: []string{}}},
		{NodePoolScalingSupported, "true", true},
		{NodePoolScalingSupported, "false", false},
		{PSPEnabled, "false", false},
		{TaintSupport, "true", boolPtr(true)},
		{TaintSupport, "false", boolPtr(false)},
		{TaintSupport, "", (*bool)(nil)},
		{NodePortRange, "30000-32767", PortRange{30000, 32767}},
		{NodePortRange, "1-65535", PortRange{1, 65535}},
	}
	for _, prefix := range bothPrefixes {
		for _, tc := range cases {
			key := prefix + tc.name
			t.Run(key+"="+tc.raw, func(t *testing.T) {
				caps, r := ParseCapabilities(map[string]string{key: tc.raw, "unrelated": "x"}, 24)
				expectResult(t, r, nil, nil)
				c, ok := caps[tc.name]
				if !ok || len(caps) != 1 {
					t.Fatalf("caps = %#v, want only %s", caps, tc.name)
				}
				if c.Name != tc.name || c.Key != key || !reflect.DeepEqual(c.Value, tc.want) {
					t.Errorf("got %+v (%#v), want value %#v under %s", c, c.Value, tc.want, key)
				}
				// The canonical text parses back to the same value, without warnings.
				again, r := ParseCapabilities(map[string]string{key: c.Text()}, 24)
				expectResult(t, r, nil, nil)
				if !reflect.DeepEqual(again[tc.name].Value, tc.want) {
					t.Errorf("Text() %q re-parsed to %#v", c.Text(), again[tc.name].Value)
				}
			})
		}
	}
}

func TestParseCapabilitiesRefusals(t *testing.T) {
	const (
		pr  = "metadata.annotations[capabilities/nodePortRange]"
		ing = "metadata.annotations[capabilities/ingressCapabilities]"
		lb  = "metadata.annotations[capabilities/loadBalancerCapabilities]"
	)
	cases := []struct {
		desc        string
		annotations map[string]string
		errs        []string
	}{
		{"port range without MAX", map[string]string{"capabilities/nodePortRange": "30000"},
			[]string{`=` + pr + `: Invalid value: "30000": must be MIN-MAX with 1 ≤ MIN < MAX ≤ 65535, e.g. 30000-32767`}},
		{"port range reversed", map[string]string{"capabilities/nodePortRange": "32767-30000"},
			[]string{`MIN (32767) must be lower than MAX (30000)`}},
		{"port range equal ends", map[string]string{"capabilities/nodePortRange": "30000-30000"},
			[]string{`MIN (30000) must be lower than MAX (30000)`}},
		{"port range above 65535", map[string]string{"capabilities/nodePortRange": "30000-65536"}, []string{`Invalid value: "30000-65536": must be MIN-MAX`}},
		{"port range with zero", map[string]string{"capabilities/nodePortRange": "0-100"}, []string{`Invalid value: "0-100"`}},
		{"port range with spaces", map[string]string{"capabilities/nodePortRange": "30000 - 32767"}, []string{`Invalid value: "30000 - 32767"`}},
		{"port range negative", map[string]string{"capabilities/nodePortRange": "-1-100"}, []string{`Invalid value: "-1-100"`}},
		{"port range empty", map[string]string{"capabilities/nodePortRange": ""},
			[]string{`=` + pr + `: Invalid value: "": must be MIN-MAX with 1 ≤ MIN < MAX ≤ 65535, e.g. 30000-32767; to drop the override, remove the annotation`}},
		{"unknown name with a suggestion", map[string]string{"capabilities/taintSuport": "true"},
			[]string{`=metadata.annotations[capabilities/taintSuport]: Invalid value: "taintSuport": unknown capability; did you mean "taintSupport"? Known: ingressCapabilities, loadBalancerCapabilities, nodePoolScalingSupported, nodePortRange, pspEnabled, taintSupport`}},
		{"unknown name in the wrong case", map[string]string{"capabilities.cattle.io/NodePortRange": "1-2"}, []string{`did you mean "nodePortRange"?`}},
		{"unknown name without a suggestion", map[string]string{"capabilities/gpu": "true"},
			[]string{`=metadata.annotations[capabilities/gpu]: Invalid value: "gpu": unknown capability Known: ingressCapabilities, loadBalancerCapabilities, nodePoolScalingSupported, nodePortRange, pspEnabled, taintSupport`}},
		{"empty name", map[string]string{"capabilities/": "x"}, []string{`metadata.annotations[capabilities/]: Invalid value: "": unknown capability`}},
		{"boolean not a boolean", map[string]string{"capabilities/pspEnabled": "yes"},
			[]string{`=metadata.annotations[capabilities/pspEnabled]: Invalid value: "yes": must be true or false`}},
		{"nullable boolean not a boolean", map[string]string{"capabilities/taintSupport": "on"},
			[]string{`=metadata.annotations[capabilities/taintSupport]: Invalid value: "on": must be true or false, or "" to clear it`}},
		{"non-nullable boolean empty", map[string]string{"capabilities.cattle.io/nodePoolScalingSupported": ""},
			[]string{`=metadata.annotations[capabilities.cattle.io/nodePoolScalingSupported]: Invalid value: "": must be true or false; to drop the override, remove the annotation`}},
		{"boolean with spaces", map[string]string{"capabilities/taintSupport": " true"}, []string{`Invalid value: " true"`}},
		{"JSON member of the wrong type", map[string]string{"capabilities/ingressCapabilities": `[{"ingressProvider":"Nginx","customDefaultBackend":"yes"}]`},
			[]string{`=` + ing + `[0].customDefaultBackend: Invalid value: "yes": must be true, false or null`}},
		{"JSON unknown member, bad element, missing provider", map[string]string{"capabilities/ingressCapabilities": `[{"ingressProvider":"Nginx","customdefaultBackend":true}, 3, {}]`},
			[]string{
				`=` + ing + `[0].customdefaultBackend: Invalid value: "customdefaultBackend": unknown field; did you mean "customDefaultBackend"? Known: ingressProvider, customDefaultBackend`,
				`=` + ing + `[1]: Invalid value: 3: must be an object {"ingressProvider": string, "customDefaultBackend": true|false|null}`,
				`=` + ing + `[2].ingressProvider: Required value: name the ingress controller, e.g. "Nginx"`,
			}},
		{"JSON provider empty", map[string]string{"capabilities/ingressCapabilities": `[{"ingressProvider":""}]`},
			[]string{ing + `[0].ingressProvider: Invalid value: "": must name the ingress controller`}},
		{"JSON provider not a string", map[string]string{"capabilities/ingressCapabilities": `[{"ingressProvider":1}]`},
			[]string{ing + `[0].ingressProvider: Invalid value: 1: must be a string`}},
		{"JSON trailing data", map[string]string{"capabilities/ingressCapabilities": `[{"ingressProvider":"Nginx"}] x`},
			[]string{ing + `: Invalid value: [{"ingressProvider":"Nginx"}] x: has data after the JSON value at byte 29 ("x"); must be only a JSON array`}},
		{"JSON second value", map[string]string{"capabilities/loadBalancerCapabilities": `{} {}`}, []string{`has data after the JSON value at byte 2 ("{}")`}},
		{"JSON truncated", map[string]string{"capabilities/ingressCapabilities": `[{"ingressProvider":"Nginx"}`}, []string{`is not valid JSON (it ends early); must be a JSON array`}},
		{"JSON syntax error", map[string]string{"capabilities/ingressCapabilities": `[{ingressProvider:"Nginx"}]`}, []string{`is not valid JSON (invalid character 'i' looking for beginning of object key string, at byte 3)`}},
		{"JSON object instead of array", map[string]string{"capabilities/ingressCapabilities": `{"ingressProvider":"Nginx"}`},
			[]string{`=` + ing + `: Invalid value: {"ingressProvider":"Nginx"}: must be a JSON array of {"ingressProvider": string, "customDefaultBackend": true|false|null}, e.g. [{"ingressProvider":"Nginx"}]`}},
		{"JSON empty", map[string]string{"capabilities/loadBalancerCapabilities": " "},
			[]string{lb + `: Invalid value: " ": must be a JSON object {"enabled": true|false|null,`}},
		{"JSON multi-line value is quoted", map[string]string{"capabilities/loadBalancerCapabilities": "[\n]"}, []string{lb + `: Invalid value: "[\n]": must be a JSON object`}},
		{"JSON members: bad protocols, null for a non-nullable bool, repeated member", map[string]string{"capabilities/loadBalancerCapabilities": `{"enabled":null,"provider":"ELB","protocolsSupported":["TCP","tcp","TCP",7],"healthCheckSupported":null,"enabled":true}`},
			[]string{
				`=` + lb + `.protocolsSupported[1]: Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"`,
				`=` + lb + `.protocolsSupported[2]: Duplicate value: "TCP"`,
				`=` + lb + `.protocolsSupported[3]: Invalid value: 7: must be a string`,
				`=` + lb + `.healthCheckSupported: Invalid value: null: must be true or false`,
				`=` + lb + `.enabled: Duplicate value: true: field given more than once; keep one`,
			}},
		{"JSON protocols not an array", map[string]string{"capabilities/loadBalancerCapabilities": `{"protocolsSupported":"TCP"}`},
			[]string{lb + `.protocolsSupported: Invalid value: "TCP": must be an array of "TCP", "UDP" or "SCTP"`}},
		{"JSON unknown member in the wrong case", map[string]string{"capabilities/loadBalancerCapabilities": `{"Enabled":true}`},
			[]string{lb + `.Enabled: Invalid value: "Enabled": unknown field; did you mean "enabled"?`}},
		{"JSON provider null", map[string]string{"capabilities/loadBalancerCapabilities": `{"provider":null}`}, []string{lb + `.provider: Invalid value: null: must be a string`}},
		{"oversized value", map[string]string{"capabilities/ingressCapabilities": "[" + strings.Repeat(" ", MaxCapabilityValue) + "]"},
			[]string{`=` + ing + `: Too long: the value is 4098 bytes; a capability value may be at most 4096 bytes`}},
		{"different values under both prefixes", map[string]string{"capabilities/taintSupport": "true", "capabilities.cattle.io/taintSupport": "false"},
			[]string{`=metadata.annotations[capabilities.cattle.io/taintSupport]: Invalid value: "false": conflicts with metadata.annotations[capabilities/taintSupport] ("true"); keep one of the two annotations, or give both the same value`}},
		{"different JSON under both prefixes", map[string]string{"capabilities/loadBalancerCapabilities": `{"provider":"ELB"}`, "capabilities.cattle.io/loadBalancerCapabilities": `{"provider":"GCLB"}`},
			[]string{`conflicts with metadata.annotations[capabilities/loadBalancerCapabilities]`}},
		{"one prefix invalid, the other valid", map[string]string{"capabilities/taintSupport": "true", "capabilities.cattle.io/taintSupport": "maybe"},
			[]string{`metadata.annotations[capabilities.cattle.io/taintSupport]: Invalid value: "maybe"`}},
		{"several problems, sorted by capability then unknown keys", map[string]string{"capabilities/zzz": "1", "capabilities/aaa": "1", "capabilities/taintSupport": "x", "capabilities/nodePortRange": "x"},
			[]string{`[capabilities/nodePortRange]`, `[capabilities/taintSupport]`, `[capabilities/aaa]`, `[capabilities/zzz]`}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			caps, r := ParseCapabilities(tc.annotations, 0)
			expectResult(t, r, tc.errs, nil)
			for name := range caps {
				for key := range tc.annotations {
					if strings.HasSuffix(key, "/"+name) && strings.Contains(r.Err().Error(), key) {
						t.Errorf("refused capability %s is still returned: %+v", name, caps[name])
					}
				}
			}
		})
	}
}

func TestParseCapabilitiesWarnings(t *testing.T) {
	for _, name := range []string{NodePoolScalingSupported, PSPEnabled, TaintSupport} {
		for raw, want := range map[string]bool{"1": true, "t": true, "T": true, "TRUE": true, "True": true, "0": false, "f": false, "F": false, "FALSE": false, "False": false} {
			for _, prefix := range bothPrefixes {
				caps, r := ParseCapabilities(map[string]string{prefix + name: raw}, 24)
				canonical := "false"
				if want {
					canonical = "true"
				}
				expectResult(t, r, nil, []string{"=metadata.annotations[" + prefix + name + `]: "` + raw + `" is read as ` + canonical + `; write "` + canonical + `"`})
				got := caps[name].Value
				if p, ok := got.(*bool); ok {
					got = *p
				}
				if got != want {
					t.Errorf("%s%s=%s: got %v, want %v", prefix, name, raw, got, want)
				}
			}
		}
	}

	psp := map[string]string{"capabilities.cattle.io/pspEnabled": "true"}
	_, r := ParseCapabilities(psp, 25)
	expectResult(t, r, nil, []string{"=metadata.annotations[capabilities.cattle.io/pspEnabled]: PodSecurityPolicy was removed in Kubernetes 1.25 and this cluster runs 1.25, so pspEnabled has no effect; remove the annotation"})
	_, r = ParseCapabilities(psp, 24)
	expectResult(t, r, nil, nil)
	_, r = ParseCapabilities(psp, 0) // unknown version
	expectResult(t, r, nil, nil)
	_, r = ParseCapabilities(map[string]string{"capabilities/pspEnabled": "false", "capabilities.cattle.io/pspEnabled": "false"}, 32)
	expectResult(t, r, nil, []string{"[capabilities/pspEnabled]: PodSecurityPolicy was removed"})
}

func TestParseCapabilitiesBothPrefixes(t *testing.T) {
	t.Run("equal values are one capability, keyed by the capabilities/ prefix", func(t *testing.T) {
		caps, r := ParseCapabilities(map[string]string{
			"capabilities/loadBalancerCapabilities":           `{"provider":"ELB","enabled":true}`,
			"capabilities.cattle.io/loadBalancerCapabilities": ` { "enabled": true, "provider": "ELB" } `,
			"capabilities/taintSupport":                       "true",
			"capabilities.cattle.io/taintSupport":             "T", // equal once parsed, with a warning
		}, 0)
		expectResult(t, r, nil, []string{`[capabilities.cattle.io/taintSupport]: "T" is read as true`})
		if len(caps) != 2 || caps[LoadBalancerCapabilities].Key != "capabilities/loadBalancerCapabilities" || caps[TaintSupport].Key != "capabilities/taintSupport" {
			t.Errorf("caps = %+v", caps)
		}
	})
	t.Run("other prefixes are ignored", func(t *testing.T) {
		caps, r := ParseCapabilities(map[string]string{
			"capabilities.example.com/foo":                     "bar",
			"capabilitiesfoo":                                  "bar",
			"kubectl.kubernetes.io/last-applied-configuration": "{",
			"x/capabilities/taintSupport":                      "maybe",
		}, 0)
		expectResult(t, r, nil, nil)
		if len(caps) != 0 {
			t.Errorf("caps = %+v", caps)
		}
	})
}

func TestCapabilityNames(t *testing.T) {
	want := []string{IngressCapabilities, LoadBalancerCapabilities, NodePoolScalingSupported, NodePortRange, PSPEnabled, TaintSupport}
	got := CapabilityNames()
	if !reflect.DeepEqual(got, want) || len(capabilityParsers) != len(want) {
		t.Fatalf("CapabilityNames() = %v, want %v (and a parser each)", got, want)
	}
	for _, name := range want {
		if capabilityParsers[name] == nil {
			t.Errorf("no parser for %s", name)
		}
	}
	got[0] = "changed"
	if CapabilityNames()[0] != IngressCapabilities {
		t.Error("CapabilityNames returns the package's own slice")
	}
}

func TestCapabilitiesRatchetsUnchangedAnnotations(t *testing.T) {
	obj := func(annotations map[string]string) *v1alpha1.ImportedCluster {
		return &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "c", Annotations: annotations}}
	}
	stored := obj(map[string]string{"capabilities/nodePortRange": "30000", "capabilities/taintSupport": "T", "capabilities/pspEnabled": "true"})

	t.Run("CREATE refuses", func(t *testing.T) {
		expectResult(t, Capabilities(stored, nil, 30), []string{`[capabilities/nodePortRange]: Invalid value: "30000"`},
			[]string{`pspEnabled has no effect`, `"T" is read as true`})
	})
	t.Run("UPDATE leaving them as they were only warns, once", func(t *testing.T) {
		updated := stored.DeepCopy()
		updated.Annotations["unrelated"] = "edit"
		expectResult(t, Capabilities(updated, stored, 30), nil, []string{
			`=metadata.annotations[capabilities/nodePortRange]: Invalid value: "30000": must be MIN-MAX with 1 ≤ MIN < MAX ≤ 65535, e.g. 30000-32767 (already stored before this update, so allowed; please fix it)`,
		})
	})
	t.Run("UPDATE changing a bad value refuses", func(t *testing.T) {
		updated := stored.DeepCopy()
		updated.Annotations["capabilities/nodePortRange"] = "30001"
		expectResult(t, Capabilities(updated, stored, 30), []string{`Invalid value: "30001"`}, nil)
	})
	t.Run("UPDATE adding the other prefix refuses the conflict", func(t *testing.T) {
		old := obj(map[string]string{"capabilities/taintSupport": "true"})
		updated := obj(map[string]string{"capabilities/taintSupport": "true", "capabilities.cattle.io/taintSupport": "false"})
		expectResult(t, Capabilities(updated, old, 0), []string{`conflicts with metadata.annotations[capabilities/taintSupport]`}, nil)
	})
	t.Run("UPDATE fixing a bad value is accepted", func(t *testing.T) {
		updated := stored.DeepCopy()
		updated.Annotations["capabilities/nodePortRange"] = "30000-32767"
		expectResult(t, Capabilities(updated, stored, 30), nil, nil)
	})
}
