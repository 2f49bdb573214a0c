package initcmd

import (
	"bytes"
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
