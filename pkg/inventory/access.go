package inventory

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Lookup is how a consumer reaches ic, as the hub records it: the cluster of the access
// provider its ClusterProfile publishes, and the only server and CA to which `kubectl import
// credentials` lets a credential of ic go. Both read it here, so what is published and what
// is checked cannot differ. Direct mode: spec.apiServer and the CA of the stored credentials
// (hubcreds.FromSecret checks that they name spec.apiServer; the token is not used). nil in
// agent mode, where the hub has no route to the cluster.
func Lookup(ctx context.Context, c client.Reader, ic *v1alpha1.ImportedCluster) (*Access, error) {
	if ic.Spec.AgentMode() {
		return nil, nil
	}
	if ic.Spec.APIServer == "" {
		return nil, fmt.Errorf("importedcluster %q has no spec.apiServer yet: it waits for 'kubectl import join'", ic.Name)
	}
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}
	if err := c.Get(ctx, key, &s); err != nil {
		return nil, fmt.Errorf("reading the CA of %q (secret %s): %w", ic.Name, key, err)
	}
	creds, err := hubcreds.FromSecret(&s, ic.Spec.APIServer)
	if err != nil {
		return nil, err
	}
	return &Access{Server: creds.Server, CAData: creds.CAData}, nil
}
