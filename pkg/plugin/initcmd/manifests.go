package initcmd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/deploy"
)

// Names of the in-cluster webhook objects in deploy/.
const (
	webhookName      = "kimport-webhook"
	webhookContainer = "webhook"
)

// manifests are the hub objects in the order deploy/kustomization.yaml lists them (the CRD
// first), with the image set, and without the in-cluster webhook when it runs elsewhere.
func (o *Options) manifests() ([]*unstructured.Unstructured, error) {
	files, err := deploy.Resources()
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, file := range files {
		data, err := deploy.FS.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("embedded deploy/%s: %w", file, err)
		}
		decoded, err := decode(data)
		if err != nil {
			return nil, fmt.Errorf("embedded deploy/%s: %w", file, err)
		}
		for _, u := range decoded {
			if o.WebhookURL != "" && isInClusterWebhook(u) {
				continue
			}
			if err := o.setImage(u); err != nil {
				return nil, err
			}
			objs = append(objs, u)
		}
	}
	return append(objs, webhookConfiguration(o.WebhookURL)...), nil
}

// webhookConfiguration is the extension point for the ValidatingWebhookConfiguration: with
// url set it must call the webhook there, else the in-cluster Service kimport-webhook. It
// comes with the webhook's own issue; until then init installs no admission configuration.
func webhookConfiguration(url string) []*unstructured.Unstructured {
	_ = url
	return nil
}

func isInClusterWebhook(u *unstructured.Unstructured) bool {
	kind := u.GetKind()
	return u.GetName() == webhookName && (kind == "Deployment" || kind == "Service")
}

// setImage puts o.Image on the webhook container of the webhook Deployment.
func (o *Options) setImage(u *unstructured.Unstructured) error {
	if u.GetKind() != "Deployment" || u.GetName() != webhookName {
		return nil
	}
	containers, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return fmt.Errorf("deployment %s: %w", webhookName, err)
	}
	found := false
	for _, c := range containers {
		if m, ok := c.(map[string]any); ok && m["name"] == webhookContainer {
			m["image"] = o.Image
			found = true
		}
	}
	if !found {
		return fmt.Errorf("deployment %s has no container %q to set the image on", webhookName, webhookContainer)
	}
	return unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
}

// decode reads every object of a multi-document YAML file. Integers stay int64, as the API
// machinery expects of unstructured objects.
func decode(data []byte) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, err
		}
		jsonDoc, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(jsonDoc)) == 0 || string(bytes.TrimSpace(jsonDoc)) == "null" {
			continue // an empty document, e.g. before a leading ---
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(jsonDoc); err != nil {
			return nil, err
		}
		objs = append(objs, u)
	}
}
