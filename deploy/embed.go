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
//go:embed base/*.yaml base/crd/*.yaml inventory/*.yaml
var FS embed.FS

// The CRDs of SIG-Multicluster's inventory APIs: ClusterProfile's is the one
// sigs.k8s.io/cluster-inventory-api ships (the module whose types pkg/inventory writes);
// ClusterProperty's is written from KEP-2149's documented schema (no module of the About API
// ships one). Neither is part of the hub's installation: `init` and `cluster` apply them only
// with --install-inventory-crds, since a cluster may already have the real ones.
const (
	// ClusterProfileCRD (KEP-4322, multicluster.x-k8s.io) goes into the hub.
	ClusterProfileCRD = "inventory/multicluster.x-k8s.io_clusterprofiles.yaml"
	// ClusterPropertyCRD (KEP-2149, about.k8s.io) goes into a downstream.
	ClusterPropertyCRD = "inventory/about.k8s.io_clusterproperties.yaml"
)

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
