package common

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// DownstreamTimeout bounds each request a verb sends to a downstream.
const DownstreamTimeout = 30 * time.Second

// DownstreamConfig reads the ImportedCluster name from the hub and returns it with a client
// configuration that reaches its downstream through the credentials the hub stores (the
// import agent's identity, CA pinned). Each request is bounded by DownstreamTimeout; set
// Timeout to 0 on a copy for streams such as `logs -f`.
func DownstreamConfig(ctx context.Context, hub client.Client, name string) (*v1alpha1.ImportedCluster, *rest.Config, error) {
	ic, err := GetImportedCluster(ctx, hub, name)
	if err != nil {
		return nil, nil, err
	}
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}
	switch err := hub.Get(ctx, key, &s); {
	case apierrors.IsNotFound(err):
		return nil, nil, fmt.Errorf("importedcluster %q has no credentials yet (secret %s/%s not found): finish the import with 'kubectl import cluster %s' or 'kubectl import join'",
			name, key.Namespace, key.Name, name)
	case apierrors.IsForbidden(err):
		return nil, nil, fmt.Errorf("reading the credentials of %q (secret %s/%s): %w: this verb reaches the downstream with the credentials the hub stores, so it needs 'get' on that Secret",
			name, key.Namespace, key.Name, err)
	case err != nil:
		return nil, nil, fmt.Errorf("reading the credentials of %q: %w", name, err)
	}
	creds, err := hubcreds.FromSecret(&s, ic.Spec.APIServer)
	if err != nil {
		return nil, nil, err
	}
	cfg := creds.RESTConfig(v1alpha1.UserAgent, DownstreamTimeout)
	return ic, cfg, nil
}
