package common

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// GetImportedCluster reads one ImportedCluster from the hub. A missing one gives an error
// in kubectl's words with the way to see which exist.
func GetImportedCluster(ctx context.Context, c client.Client, name string) (*v1alpha1.ImportedCluster, error) {
	ic := &v1alpha1.ImportedCluster{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, ic); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, NotFoundError(name)
		}
		return nil, fmt.Errorf("reading importedcluster %q from the hub: %w", name, err)
	}
	return ic, nil
}

// NotFoundError says that no ImportedCluster has this name.
func NotFoundError(name string) error {
	return fmt.Errorf("importedcluster %q not found (list them with 'kubectl import list')", name)
}

// DisplayName defaults to the object's name, as the API documents.
func DisplayName(ic *v1alpha1.ImportedCluster) string {
	if ic.Spec.DisplayName != "" {
		return ic.Spec.DisplayName
	}
	return ic.Name
}

// Mode is spec.mode; a cluster imported before spec.mode existed is in direct mode.
func Mode(ic *v1alpha1.ImportedCluster) v1alpha1.Mode {
	if ic.Spec.AgentMode() {
		return v1alpha1.ModeAgent
	}
	return v1alpha1.ModeDirect
}

// Cluster connects to the hub and reads the named ImportedCluster.
func (h *HubOptions) Cluster(ctx context.Context, name string) (client.Client, *v1alpha1.ImportedCluster, error) {
	hub, err := h.Client()
	if err != nil {
		return nil, nil, err
	}
	ic, err := GetImportedCluster(ctx, hub, name)
	return hub, ic, err
}
