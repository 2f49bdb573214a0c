// Package deploy holds the hub's installation manifests (the kustomize base in base/) and embeds them so
// that `kubectl import init` can install the hub without any file on disk.
package deploy

import (
	"embed"
	"fmt"

	"sigs.k8s.io/yaml"
)

// FS holds kustomization.yaml and every manifest it lists.
//
//go:embed base/*.yaml base/crd/*.yaml
var FS embed.FS

// Resources lists the manifest files in kustomization.yaml order: the order to apply them in.
func Resources() ([]string, error) {
	data, err := FS.ReadFile("base/kustomization.yaml")
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("deploy/base/kustomization.yaml: %w", err)
	}
	for i, r := range k.Resources {
		k.Resources[i] = "base/" + r
	}
	return k.Resources, nil
}
