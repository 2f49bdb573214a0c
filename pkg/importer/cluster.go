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

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
)

// Cluster is a connection to one cluster: the hub or a downstream.
type Cluster struct {
	Config *rest.Config
	Client client.Client
}

// Connect builds a client for cfg; nothing is contacted yet.
func Connect(cfg *rest.Config) (*Cluster, error) {
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return nil, err
	}
	return &Cluster{Config: cfg, Client: c}, nil
}

// DownstreamConfig is cfg for the cluster being imported, refusing a kubeconfig that skips
// TLS verification: the hub and the agent pin the downstream's CA, so the import must know it,
// and it must not learn it over an unverified connection. Every answer is read under
// bodylimit.Plugin.
func DownstreamConfig(cfg *rest.Config) (*rest.Config, error) {
	if cfg.Insecure {
		return nil, fmt.Errorf("the downstream's kubeconfig sets insecure-skip-tls-verify for %s: kubectl-import never skips TLS verification and pins the downstream's CA, so the kubeconfig must name it. "+
			"Take the CA from the cluster's own admin kubeconfig or its PKI (K3s: certificate-authority-data in /etc/rancher/k3s/k3s.yaml; kubeadm: /etc/kubernetes/pki/ca.crt), "+
			"then: kubectl config set-cluster <cluster> --certificate-authority=ca.crt --embed-certs=true --insecure-skip-tls-verify=false", cfg.Host)
	}
	return dsclient.Config(cfg, dsclient.Import), nil
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
