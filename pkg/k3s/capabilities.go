package k3s

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// Sources of a capability value that no annotation overrides.
const (
	SourceDetected = "detected"
	SourceDefault  = "default"
)

// DefaultNodePortRange is Kubernetes' default --service-node-port-range.
const DefaultNodePortRange = "30000-32767"

// Capability is one effective capability: its value and where it came from, and, when an
// annotation overrides it, what was detected (or defaulted) beneath.
type Capability struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Source is SourceDetected, SourceDefault or the overriding annotation key.
	Source string `json:"source"`
	// Reason says what the detected or default value is based on.
	Reason string `json:"reason,omitempty"`
	// Detected and DetectedSource are the value beneath an override (empty if none).
	Detected       string `json:"detected,omitempty"`
	DetectedSource string `json:"detectedSource,omitempty"`
}

// Detect derives capabilities from what the cluster runs. K3s: Traefik is the ingress and
// ServiceLB the load balancer unless every server disables them (--disable traefik,
// --disable servicelb); the node port range is the servers' --service-node-port-range (also
// when passed through --kube-apiserver-arg), else the Kubernetes default. RKE2: ingress-nginx
// unless disabled. Every cluster: pspEnabled false from Kubernetes 1.25 (PSP is gone), and
// nodePoolScalingSupported false (the hub does not manage an imported cluster's nodes).
func Detect(nodes []corev1.Node, gitVersion string) []Capability {
	dist := inspect.Distribution(gitVersion, nodes)
	args, argsKnown := serverArgs(nodes)
	var out []Capability
	add := func(c validate.Capability, source, reason string) {
		out = append(out, Capability{Name: c.Name, Value: c.Text(), Source: source, Reason: reason})
	}
	switch dist {
	case v1alpha1.DistK3s:
		traefik, servicelb := !allDisable(args, "traefik"), !allDisable(args, "servicelb")
		src, why := SourceDetected, "the servers' launch arguments"
		if !argsKnown {
			src, why = SourceDefault, "K3s deploys it unless disabled; the servers' launch arguments are not known"
		}
		ingress := []validate.IngressCapability{}
		if traefik {
			ingress = append(ingress, validate.IngressCapability{IngressProvider: "Traefik"})
		}
		add(validate.Capability{Name: validate.IngressCapabilities, Value: ingress}, src, "Traefik "+enabledWord(traefik)+": "+why)
		add(validate.Capability{Name: validate.LoadBalancerCapabilities, Value: serviceLB(servicelb)}, src, "ServiceLB "+enabledWord(servicelb)+": "+why)
	case v1alpha1.DistRKE2:
		nginx := !allDisable(args, "rke2-ingress-nginx")
		ingress := []validate.IngressCapability{}
		if nginx {
			ingress = append(ingress, validate.IngressCapability{IngressProvider: "Nginx"})
		}
		add(validate.Capability{Name: validate.IngressCapabilities, Value: ingress}, SourceDetected, "ingress-nginx "+enabledWord(nginx)+": the servers' launch arguments")
	}
	if r, ok := nodePortRange(args); ok {
		out = append(out, Capability{Name: validate.NodePortRange, Value: r, Source: SourceDetected, Reason: "--service-node-port-range of the servers"})
	} else {
		out = append(out, Capability{Name: validate.NodePortRange, Value: DefaultNodePortRange, Source: SourceDefault, Reason: "the Kubernetes default"})
	}
	add(validate.Capability{Name: validate.NodePoolScalingSupported, Value: false}, SourceDefault, "the hub does not manage an imported cluster's nodes")
	if minor := validate.KubeMinor(gitVersion); minor >= 25 {
		add(validate.Capability{Name: validate.PSPEnabled, Value: false}, SourceDetected, "PodSecurityPolicy was removed in Kubernetes 1.25")
	} else {
		add(validate.Capability{Name: validate.PSPEnabled, Value: false}, SourceDefault, "not detected")
	}
	sortCapabilities(out)
	return out
}

// Effective merges Detect with the well-formed overrides among annotations (either prefix);
// the Result reports malformed ones, which leave the detected value in place.
func Effective(nodes []corev1.Node, gitVersion string, annotations map[string]string) ([]Capability, validate.Result) {
	detected := Detect(nodes, gitVersion)
	overrides, res := validate.ParseCapabilities(annotations, validate.KubeMinor(gitVersion))
	byName := map[string]int{}
	for i, c := range detected {
		byName[c.Name] = i
	}
	for name, o := range overrides {
		c := Capability{Name: name, Value: o.Text(), Source: o.Key, Reason: "annotation"}
		if i, ok := byName[name]; ok {
			c.Detected, c.DetectedSource = detected[i].Value, detected[i].Source
			detected[i] = c
		} else {
			detected = append(detected, c)
		}
	}
	sortCapabilities(detected)
	return detected, res
}

// DetectCapabilities is Effective as status.capabilities holds it.
func DetectCapabilities(nodes []corev1.Node, gitVersion string, annotations map[string]string) ([]v1alpha1.CapabilityStatus, validate.Result) {
	caps, res := Effective(nodes, gitVersion, annotations)
	out := make([]v1alpha1.CapabilityStatus, len(caps))
	for i, c := range caps {
		out[i] = v1alpha1.CapabilityStatus{Name: c.Name, Value: c.Value, Source: c.Source}
	}
	return out, res
}

func sortCapabilities(caps []Capability) {
	slices.SortFunc(caps, func(a, b Capability) int { return strings.Compare(a.Name, b.Name) })
}

func enabledWord(on bool) string {
	if on {
		return "runs"
	}
	return "is disabled"
}

func serviceLB(enabled bool) validate.LoadBalancerCapability {
	lb := validate.LoadBalancerCapability{Enabled: &enabled, ProtocolsSupported: []string{}}
	if enabled {
		lb.Provider, lb.ProtocolsSupported = "ServiceLB", []string{"TCP", "UDP"}
	}
	return lb
}

// allDisable says whether every server's arguments disable component (K3s: --disable X,
// --disable=X,Y, or the older --no-deploy). With no arguments known nothing is disabled.
func allDisable(args [][]string, component string) bool {
	if len(args) == 0 {
		return false
	}
	for _, a := range args {
		if !slices.Contains(flagValues(a, "--disable", "--no-deploy"), component) {
			return false
		}
	}
	return true
}

// flagValues collects the comma-separated values of the named flags in args.
func flagValues(args []string, names ...string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		if !slices.Contains(names, name) {
			continue
		}
		if !hasValue && i+1 < len(args) {
			i++
			value = args[i]
		}
		for _, v := range strings.Split(value, ",") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// nodePortRange is the first well-formed --service-node-port-range of the servers.
func nodePortRange(args [][]string) (string, bool) {
	for _, a := range args {
		values := flagValues(a, "--service-node-port-range")
		for _, v := range flagValues(a, "--kube-apiserver-arg") {
			if r, ok := strings.CutPrefix(v, "service-node-port-range="); ok {
				values = append(values, r)
			}
		}
		for _, v := range values {
			caps, res := validate.ParseCapabilities(map[string]string{v1alpha1.CapabilityPrefix + validate.NodePortRange: v}, 0)
			if c, ok := caps[validate.NodePortRange]; ok && res.Allowed() {
				return c.Text(), true
			}
		}
	}
	return "", false
}
