// Package record is how a plugin verb reads a cluster's record from the hub (its
// ImportedCluster) and reaches that cluster's downstream as the caller: through the hub's
// gateway with the caller's own hub credentials (either mode), or through the user's own
// kubeconfig of the downstream once it proved to reach that cluster. No verb reads a
// credential the hub stores.
package record

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Get reads one ImportedCluster from the hub. A missing one gives an error in kubectl's words
// with the way to see which exist.
func Get(ctx context.Context, hub client.Client, name string) (*v1alpha1.ImportedCluster, error) {
	ic := &v1alpha1.ImportedCluster{}
	if err := hub.Get(ctx, client.ObjectKey{Name: name}, ic); err != nil {
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

// Names are "name\tphase" (or the name alone before the first reconcile) of every
// ImportedCluster whose name has prefix: what a shell completes NAME with.
func Names(ctx context.Context, hub client.Client, prefix string) ([]string, error) {
	var list v1alpha1.ImportedClusterList
	if err := hub.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing importedclusters on the hub: %w", err)
	}
	var out []string
	for _, ic := range list.Items {
		if !strings.HasPrefix(ic.Name, prefix) {
			continue
		}
		if phase := string(ic.Status.Phase); phase != "" {
			out = append(out, ic.Name+"\t"+phase)
		} else {
			out = append(out, ic.Name)
		}
	}
	return out, nil
}
