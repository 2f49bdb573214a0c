package k3s

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func server(name string, args ...string) corev1.Node {
	b, _ := json.Marshal(args)
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels:      map[string]string{v1alpha1.NodeRoleControlPlane: "true"},
		Annotations: map[string]string{"k3s.io/node-args": string(b)}}}
}

func byName(caps []Capability) map[string]Capability {
	m := map[string]Capability{}
	for _, c := range caps {
		m[c.Name] = c
	}
	return m
}

func TestDetectK3sDefaults(t *testing.T) {
	caps := byName(Detect([]corev1.Node{server("s1", "server", "--cluster-init")}, "v1.37.2+k3s1"))
	want := map[string][2]string{
		"ingressCapabilities":      {`[{"ingressProvider":"Traefik"}]`, SourceDetected},
		"loadBalancerCapabilities": {`{"enabled":true,"provider":"ServiceLB","protocolsSupported":["TCP","UDP"],"healthCheckSupported":false}`, SourceDetected},
		"nodePortRange":            {"30000-32767", SourceDefault},
		"nodePoolScalingSupported": {"false", SourceDefault},
		"pspEnabled":               {"false", SourceDetected},
	}
	if len(caps) != len(want) {
		t.Errorf("got %d capabilities, want %d: %+v", len(caps), len(want), caps)
	}
	for name, w := range want {
		if c := caps[name]; c.Value != w[0] || c.Source != w[1] {
			t.Errorf("%s = %q (%s), want %q (%s)", name, c.Value, c.Source, w[0], w[1])
		}
	}
}

func TestDetectK3sDisabledAndPortRange(t *testing.T) {
	nodes := []corev1.Node{
		server("s1", "server", "--disable", "traefik,servicelb", "--service-node-port-range", "20000-22767"),
		server("s2", "server", "--disable=traefik", "--disable=servicelb", "--kube-apiserver-arg=service-node-port-range=20000-22767"),
	}
	caps := byName(Detect(nodes, "v1.37.2+k3s1"))
	if c := caps["ingressCapabilities"]; c.Value != "[]" || c.Source != SourceDetected {
		t.Errorf("ingress = %+v, want [] detected", c)
	}
	if c := caps["loadBalancerCapabilities"]; !strings.Contains(c.Value, `"enabled":false`) {
		t.Errorf("load balancer = %+v, want enabled false", c)
	}
	if c := caps["nodePortRange"]; c.Value != "20000-22767" || c.Source != SourceDetected {
		t.Errorf("nodePortRange = %+v, want 20000-22767 detected", c)
	}
	// One server still runs Traefik: it is deployed.
	nodes = append(nodes, server("s3", "server"))
	if c := byName(Detect(nodes, "v1.37.2+k3s1"))["ingressCapabilities"]; c.Value == "[]" {
		t.Errorf("ingress with one server not disabling Traefik = %+v, want Traefik", c)
	}
}

func TestEffectiveOverrides(t *testing.T) {
	nodes := []corev1.Node{server("s1", "server")}
	caps, res := Effective(nodes, "v1.37.2+k3s1", map[string]string{
		"capabilities/nodePortRange":            "30000-31000",
		"capabilities.cattle.io/taintSupport":   "true",
		"capabilities/loadBalancerCapabilities": `{"enabled": tru}`, // malformed: detected value stays
	})
	if res.Allowed() || !strings.Contains(res.Err().Error(), "metadata.annotations[capabilities/loadBalancerCapabilities]") {
		t.Errorf("result = %v, want the malformed annotation named", res.Err())
	}
	m := byName(caps)
	if c := m["nodePortRange"]; c.Value != "30000-31000" || c.Source != "capabilities/nodePortRange" || c.Detected != DefaultNodePortRange || c.DetectedSource != SourceDefault {
		t.Errorf("nodePortRange = %+v", c)
	}
	if c := m["taintSupport"]; c.Value != "true" || c.Source != "capabilities.cattle.io/taintSupport" || c.Detected != "" {
		t.Errorf("taintSupport = %+v", c)
	}
	if c := m["loadBalancerCapabilities"]; c.Source != SourceDetected {
		t.Errorf("loadBalancerCapabilities = %+v, want the detected value", c)
	}
	st, _ := DetectCapabilities(nodes, "v1.37.2+k3s1", nil)
	if len(st) != 5 || st[0].Name != "ingressCapabilities" {
		t.Errorf("DetectCapabilities = %+v", st)
	}
}

func TestDetectGeneric(t *testing.T) {
	caps := byName(Detect(nil, "v1.24.3"))
	if _, ok := caps["ingressCapabilities"]; ok {
		t.Errorf("a generic cluster got an ingress capability: %+v", caps)
	}
	if c := caps["pspEnabled"]; c.Source != SourceDefault {
		t.Errorf("pspEnabled on 1.24 = %+v, want default", c)
	}
}
