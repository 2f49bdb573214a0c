package initcmd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

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

// manifests are the hub objects in the order deploy/base/kustomization.yaml lists them (the CRD
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
			namespace, err := o.placeInventory(u)
			if err != nil {
				return nil, err
			}
			if namespace != nil {
				objs = append(objs, namespace)
			}
			if o.WebhookURL != "" && u.GetKind() == "ValidatingWebhookConfiguration" {
				if err := pointWebhookAt(u, o.WebhookURL); err != nil {
					return nil, err
				}
			}
			objs = append(objs, u)
		}
	}
	return objs, nil
}

// pointWebhookAt makes the ValidatingWebhookConfiguration call url (a webhook running outside
// the cluster, as in development) instead of the in-cluster Service.
func pointWebhookAt(u *unstructured.Unstructured, url string) error {
	webhooks, _, err := unstructured.NestedSlice(u.Object, "webhooks")
	if err != nil {
		return fmt.Errorf("validatingwebhookconfiguration %s: %w", webhookName, err)
	}
	for _, w := range webhooks {
		m, ok := w.(map[string]any)
		if !ok {
			continue
		}
		path, _, _ := unstructured.NestedString(m, "clientConfig", "service", "path")
		m["clientConfig"] = map[string]any{"url": strings.TrimSuffix(url, "/") + path}
	}
	return unstructured.SetNestedSlice(u.Object, webhooks, "webhooks")
}

// isInClusterWebhook is what a webhook running outside the cluster does not need.
func isInClusterWebhook(u *unstructured.Unstructured) bool {
	switch u.GetKind() {
	case "Deployment", "Service", "PodDisruptionBudget":
		return u.GetName() == webhookName
	}
	return false
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
