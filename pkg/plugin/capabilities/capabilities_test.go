package capabilities

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/k3stest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

func TestCapabilities(t *testing.T) {
	c := k3stest.Start(t)
	ctx := context.Background()
	name := k3stest.Name
	// One server passes a node port range; the others keep the default arguments.
	var node corev1.Node
	if err := c.Client.Get(ctx, client.ObjectKey{Name: "k3s-server-1"}, &node); err != nil {
		t.Fatal(err)
	}
	node.Annotations["k3s.io/node-args"] = `["server","--cluster-init","--service-node-port-range","30000-31999","--token","********"]`
	if err := c.Client.Update(ctx, &node); err != nil {
		t.Fatal(err)
	}
	annotations := func() map[string]string {
		var ic v1alpha1.ImportedCluster
		if err := c.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
			t.Fatal(err)
		}
		return ic.Annotations
	}

	t.Run("detected values with their source", func(t *testing.T) {
		out := plugintest.Execute(c, NewCmd, append([]string{name}, k3stest.Local(c)...)...).Stdout(t)
		for _, want := range []string{
			"NAME                       VALUE",
			`ingressCapabilities        [{"ingressProvider":"Traefik"}]`,
			`loadBalancerCapabilities   {"enabled":true,"provider":"ServiceLB","protocolsSupported":["TCP","UDP"],"healthCheckSupported":false}   detected`,
			"nodePortRange              30000-31999",
			"pspEnabled                 false",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("set: malformed values refused with the field named, nothing written", func(t *testing.T) {
		for kv, want := range map[string]string{
			"nodePortRange=32000-30000": `refused: metadata.annotations[capabilities/nodePortRange]: Invalid value: "32000-30000": MIN (32000) must be lower than MAX (30000); must be MIN-MAX with 1 ≤ MIN < MAX ≤ 65535, e.g. 30000-32767`,
			`loadBalancerCapabilities={"enabled":true,"protocolsSupported":["TCP","ICMP"]}`: `refused: metadata.annotations[capabilities/loadBalancerCapabilities].protocolsSupported[1]: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`,
			"portRange=1-2": "unknown capability \"portRange\": use one of ingressCapabilities, loadBalancerCapabilities, nodePoolScalingSupported, nodePortRange, pspEnabled, taintSupport",
			"nodePortRange": `"nodePortRange": want KEY=VALUE, e.g. nodePortRange=30000-32767`,
		} {
			plugintest.Execute(c, NewCmd, "set", name, kv).Failed(t, want)
		}
		if len(annotations()) != 0 {
			t.Errorf("a refused set wrote annotations: %v", annotations())
		}
	})

	t.Run("set and unset an override, shown beside the detected value", func(t *testing.T) {
		// An older override under the documented prefix is replaced, not left to conflict.
		var ic v1alpha1.ImportedCluster
		_ = c.Client.Get(ctx, client.ObjectKey{Name: name}, &ic)
		ic.Annotations = map[string]string{v1alpha1.CapabilityPrefixCattle + "nodePortRange": "30000-30500"}
		if err := c.Client.Update(ctx, &ic); err != nil {
			t.Fatal(err)
		}
		out := plugintest.Execute(c, NewCmd, "set", name, "capabilities.cattle.io/nodePortRange=30000-31000").Stdout(t)
		if out != "importedcluster.kimport.dev/k3s-prod annotated\n" {
			t.Errorf("set printed %q", out)
		}
		if a := annotations(); len(a) != 1 || a["capabilities/nodePortRange"] != "30000-31000" {
			t.Errorf("annotations = %v", a)
		}
		plugintest.Execute(c, NewCmd, "set", name, "taintSupport=T").Stdout(t) // canonicalised to true
		if a := annotations(); a["capabilities/taintSupport"] != "true" {
			t.Errorf("annotations = %v", a)
		}
		var doc Document
		if err := yaml.Unmarshal([]byte(plugintest.Execute(c, NewCmd, append([]string{name, "-o", "yaml"}, k3stest.Local(c)...)...).Stdout(t)), &doc); err != nil {
			t.Fatal(err)
		}
		var npr, taint bool
		for _, cp := range doc.Capabilities {
			switch cp.Name {
			case "nodePortRange":
				npr = cp.Value == "30000-31000" && cp.Source == "capabilities/nodePortRange" && cp.Detected == "30000-31999" && cp.DetectedSource == "detected"
			case "taintSupport":
				taint = cp.Value == "true" && cp.Source == "capabilities/taintSupport"
			}
		}
		if !npr || !taint || !doc.Live {
			t.Errorf("capabilities -o yaml = %+v", doc)
		}
		table := plugintest.Execute(c, NewCmd, append([]string{name}, k3stest.Local(c)...)...).Stdout(t)
		if !strings.Contains(table, "nodePortRange              30000-31000") || !strings.Contains(table, "capabilities/nodePortRange   30000-31999 (detected)") {
			t.Errorf("table:\n%s", table)
		}
		if out := plugintest.Execute(c, NewCmd, "unset", name, "nodePortRange").Stdout(t); out != "importedcluster.kimport.dev/k3s-prod annotated\n" {
			t.Errorf("unset printed %q", out)
		}
		if out := plugintest.Execute(c, NewCmd, "unset", name, "nodePortRange").Stdout(t); out != "importedcluster.kimport.dev/k3s-prod unchanged (no override of nodePortRange)\n" {
			t.Errorf("second unset printed %q", out)
		}
		if _, ok := annotations()["capabilities/nodePortRange"]; ok {
			t.Errorf("unset left the annotation")
		}
	})

	t.Run("schema covers every capability", func(t *testing.T) {
		streams, _, out, _ := genericiooptions.NewTestIOStreams()
		cmd := NewCmd(common.NewFactory(), streams)
		cmd.SetArgs([]string{"schema"}) // needs no hub
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(out.Bytes(), &schema); err != nil {
			t.Fatal(err)
		}
		var names []string
		for n := range schema.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		if !slices.Equal(names, validate.CapabilityNames()) {
			t.Errorf("schema properties = %v, want %v", names, validate.CapabilityNames())
		}
	})
}
