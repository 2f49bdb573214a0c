// Package importer is the import flow every verb shares: the preflight checks, the identity
// claim in the hub, the agent objects in the downstream, the registration in the hub and the
// wait until the reconciler reports the cluster Active. Each step is idempotent, so an
// interrupted import converges when it is run again.
package importer

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// FieldManager owns every field the import applies.
const FieldManager = "kubectl-import"

// Cluster is a connection to one cluster: the hub or a downstream.
type Cluster struct {
	Config *rest.Config
	Client client.Client
}

// Connect builds a client for cfg; nothing is contacted yet.
func Connect(cfg *rest.Config) (*Cluster, error) {
	c, err := client.New(cfg, client.Options{Scheme: common.Scheme})
	if err != nil {
		return nil, err
	}
	return &Cluster{Config: cfg, Client: c}, nil
}

// KubeSystemUID is the UID of the kube-system namespace: the identity of a downstream cluster
// (its clusterID) and of a hub (its hubID).
func KubeSystemUID(ctx context.Context, c client.Client) (string, error) {
	var ns corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: "kube-system"}, &ns); err != nil {
		return "", fmt.Errorf("reading namespace kube-system: %w", err)
	}
	return string(ns.UID), nil
}
