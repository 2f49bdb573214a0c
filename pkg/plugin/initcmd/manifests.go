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
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The in-cluster components in deploy/: admission and the reconciler, two Deployments of the
// same image, each with its container.
const (
	webhookName    = v1alpha1.WebhookComponent
	controllerName = v1alpha1.ControllerComponent
)

var containers = map[string]string{webhookName: "webhook", controllerName: "controller"}

// manifests are the hub objects in the order deploy/base/kustomization.yaml lists them (the CRD
// first), with the image set, and without the in-cluster components when they run elsewhere.
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
			if o.WebhookURL != "" && isInClusterComponent(u) {
				continue
			}
			if o.WebhookURL != "" && isGateway(u) {
				if o.GatewayURL == "" {
					continue
				}
				if err := o.pointGatewayAt(u); err != nil {
					return nil, err
				}
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

// isInClusterComponent is what a hub component running outside the cluster (--webhook-url,
// as in development) does not need: both Deployments, their PodDisruptionBudgets and the
// webhook's Service. Their ServiceAccounts and rights stay: the local processes run as them.
func isInClusterComponent(u *unstructured.Unstructured) bool {
	switch u.GetKind() {
	case "Deployment", "PodDisruptionBudget":
		_, ok := containers[u.GetName()]
		return ok
	case "Service":
		return u.GetName() == webhookName
	}
	return false
}

// setImage puts o.Image on the container of each component's Deployment.
func (o *Options) setImage(u *unstructured.Unstructured) error {
	container, ok := containers[u.GetName()]
	if u.GetKind() != "Deployment" || !ok {
		return nil
	}
	list, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return fmt.Errorf("deployment %s: %w", u.GetName(), err)
	}
	found := false
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["name"] == container {
			m["image"] = o.Image
			found = true
		}
	}
	if !found {
		return fmt.Errorf("deployment %s has no container %q to set the image on", u.GetName(), container)
	}
	return unstructured.SetNestedSlice(u.Object, list, "spec", "template", "spec", "containers")
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
