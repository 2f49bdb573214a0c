// Package deploy holds the hub's installation manifests (a kustomize base) and embeds them so
// that `kubectl import init` can install the hub without any file on disk.
package deploy

import (
	"embed"
	"fmt"

	"sigs.k8s.io/yaml"
)

// FS holds kustomization.yaml and every manifest it lists.
//
//go:embed *.yaml crd/*.yaml
var FS embed.FS

// Resources lists the manifest files in kustomization.yaml order: the order to apply them in.
func Resources() ([]string, error) {
	data, err := FS.ReadFile("kustomization.yaml")
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("deploy/kustomization.yaml: %w", err)
	}
	return k.Resources, nil
}
