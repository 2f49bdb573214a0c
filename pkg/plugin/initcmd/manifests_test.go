package initcmd

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

func TestManifestsOrderImageAndWebhookURL(t *testing.T) {
	o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	o.Image = "registry.example.com/kimport/webhook:v9"
	objs, err := o.manifests()
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].GetKind() != "CustomResourceDefinition" || objs[0].GetName() != "importedclusters.kimport.dev" {
		t.Errorf("first object is %s %s, want the CRD", objs[0].GetKind(), objs[0].GetName())
	}
	for _, name := range []string{webhookName, controllerName} {
		deployment := find(objs, "Deployment", name)
		if deployment == nil || find(objs, "PodDisruptionBudget", name) == nil {
			t.Fatalf("no in-cluster Deployment/PodDisruptionBudget %s by default", name)
		}
		containers, _, _ := unstructured.NestedSlice(deployment.Object, "spec", "template", "spec", "containers")
		if image := containers[0].(map[string]any)["image"]; image != o.Image {
			t.Errorf("%s image = %v, want %s", name, image, o.Image)
		}
		replicas, _, _ := unstructured.NestedInt64(deployment.Object, "spec", "replicas")
		if replicas != 2 {
			t.Errorf("%s replicas = %d, want 2", name, replicas)
		}
	}
	if find(objs, "Service", webhookName) == nil {
		t.Error("no webhook Service by default")
	}

	o.WebhookURL = "https://192.168.1.10:9443"
	objs, err = o.manifests()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{webhookName, controllerName} {
		if find(objs, "Deployment", name) != nil || find(objs, "PodDisruptionBudget", name) != nil || find(objs, "Service", name) != nil {
			t.Errorf("with --webhook-url the in-cluster %s must not be installed", name)
		}
		if find(objs, "ServiceAccount", name) == nil {
			t.Errorf("with --webhook-url the ServiceAccount %s must be installed: the local process runs as it", name)
		}
	}
	if find(objs, "Namespace", "kimport-system") == nil {
		t.Error("the namespace is always installed")
	}
}

func TestValidateRefusesPlainHTTPWebhook(t *testing.T) {
	o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{})
	o.WebhookURL = "http://127.0.0.1:9443"
	if err := o.Validate(); err == nil {
		t.Error("an http webhook URL was accepted")
	}
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// The gateway: in the cluster by default (its Service selects the reconciler's pods); outside
// with --gateway-url, through an ExternalName Service on the URL's port; absent for a hub
// component outside the cluster without one.
func TestManifestsGateway(t *testing.T) {
	o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	objs, err := o.manifests()
	if err != nil {
		t.Fatal(err)
	}
	svc, api := find(objs, "Service", "kimport-gateway"), find(objs, "APIService", "v1alpha1.gateway.kimport.dev")
	if svc == nil || api == nil {
		t.Fatal("no gateway Service and APIService by default")
	}
	if sel, _, _ := unstructured.NestedString(svc.Object, "spec", "selector", "app.kubernetes.io/name"); sel != controllerName {
		t.Errorf("the gateway Service selects %q, want the reconciler's pods", sel)
	}
	if _, found, _ := unstructured.NestedString(api.Object, "spec", "caBundle"); found {
		t.Error("the APIService ships a caBundle: the gateway's rotation injects it")
	}
	if skip, _, _ := unstructured.NestedBool(api.Object, "spec", "insecureSkipTLSVerify"); skip {
		t.Error("the APIService skips TLS verification")
	}

	o.WebhookURL = "https://localhost:9443"
	if objs, err = o.manifests(); err != nil {
		t.Fatal(err)
	}
	if find(objs, "Service", "kimport-gateway") != nil || find(objs, "APIService", "v1alpha1.gateway.kimport.dev") != nil {
		t.Error("--webhook-url without --gateway-url installs a gateway nobody serves")
	}

	o.GatewayURL = "https://localhost:19444"
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if objs, err = o.manifests(); err != nil {
		t.Fatal(err)
	}
	svc, api = find(objs, "Service", "kimport-gateway"), find(objs, "APIService", "v1alpha1.gateway.kimport.dev")
	if svc == nil || api == nil {
		t.Fatal("--gateway-url: no Service or APIService")
	}
	spec, _, _ := unstructured.NestedMap(svc.Object, "spec")
	if spec["type"] != "ExternalName" || spec["externalName"] != "localhost" || spec["selector"] != nil {
		t.Errorf("--gateway-url: Service spec %v", spec)
	}
	if port, _, _ := unstructured.NestedInt64(api.Object, "spec", "service", "port"); port != 19444 {
		t.Errorf("--gateway-url: APIService port %d, want 19444", port)
	}
}

func TestValidateGatewayURL(t *testing.T) {
	for _, tc := range []struct{ webhook, gateway, want string }{
		{"", "https://localhost:9444", "--gateway-url needs --webhook-url"},
		{"https://localhost:9443", "http://localhost:9444", "over https only"},
		{"https://localhost:9443", "https://localhost:9444/apis", "the aggregator adds the paths"},
		{"https://localhost:9443", "https://localhost:99999", "not within 1-65535"},
		{"https://localhost:9443", "https://Bad_Host:9444", "no DNS name or IP address"},
	} {
		o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{})
		o.WebhookURL, o.GatewayURL = tc.webhook, tc.gateway
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--webhook-url %q --gateway-url %q: %v, want %q", tc.webhook, tc.gateway, err, tc.want)
		}
	}
}
