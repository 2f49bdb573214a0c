package hubserver

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

// The peers are the ready endpoints of the gateway Service's slices, at the peer port, less
// this replica's pod.
func TestPeerURLs(t *testing.T) {
	endpoint := func(addr, pod string, ready *bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: []string{addr}, Conditions: discoveryv1.EndpointConditions{Ready: ready},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod}}
	}
	ports := []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To[int32](9444)}, {Name: ptr.To(GatewayPeerPortName), Port: ptr.To[int32](9445)}}
	got := peerURLs([]discoveryv1.EndpointSlice{
		{Ports: ports, Endpoints: []discoveryv1.Endpoint{endpoint("10.0.0.2", "c-1", ptr.To(true)), endpoint("10.0.0.1", "c-0", nil),
			endpoint("10.0.0.3", "c-2", ptr.To(false)), endpoint("10.0.0.4", "self", ptr.To(true))}},
		{Ports: ports, Endpoints: []discoveryv1.Endpoint{endpoint("fd00::5", "c-5", ptr.To(true)), endpoint("10.0.0.2", "c-1", ptr.To(true))}},
		{Ports: ports[:1], Endpoints: []discoveryv1.Endpoint{endpoint("10.0.0.9", "no-peer-port", nil)}},
	}, "self")
	want := []string{"https://10.0.0.1:9445", "https://10.0.0.2:9445", "https://[fd00::5]:9445"}
	if !slices.Equal(got, want) {
		t.Errorf("peers %v, want %v", got, want)
	}
}

func TestValidateGateway(t *testing.T) {
	for _, tc := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.GatewayCertDNSNames = []string{"localhost"} }, "--gateway-cert-dns-names must include kimport-gateway.kimport-system.svc"},
		{func(o *Options) { o.GatewayPeerPort = o.GatewayPort }, "must differ"},
		{func(o *Options) { o.GatewayPort = 0 }, "--gateway-port must be within 1-65535"},
		{func(o *Options) { o.GatewayCertDir = "" }, "--gateway-cert-dir"},
	} {
		o := DefaultOptions()
		o.DisableWebhook = true
		tc.change(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
	o := DefaultOptions()
	o.DisableWebhook, o.GatewayPeerPort = true, 0
	if err := o.Validate(); err != nil {
		t.Errorf("one replica without peers: %v", err)
	}
	o.DisableGateway, o.GatewayCertDNSNames = true, nil
	if err := o.Validate(); err != nil {
		t.Errorf("without the gateway its flags are not checked: %v", err)
	}
}
