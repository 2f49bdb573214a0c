package clustersync

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// observation is what one probe read from a downstream.
type observation struct {
	gitVersion string
	nodes      []corev1.Node
	// namespaces are the present namespaces that belong or may belong to a project, with
	// their project labels.
	namespaces   map[string]inspect.Namespace
	kubeSystemID string
}

// probe reads the server version, every node and every namespace, paged and decoded as they
// arrive, keeping of each node only what the sync reads (listNodes) and of the namespaces only
// kube-system's UID and the project namespaces: a probe's memory grows neither with the size
// of a node nor with the number of namespaces. projects says which namespaces matter. The
// error says which read failed; one that was refused for its size says so.
func probe(ctx context.Context, cs kubernetes.Interface, projects *inspect.ProjectIndex) (*observation, error) {
	var obs observation
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the server version: %w", bodylimit.Cause(err))
	}
	obs.gitVersion = v.GitVersion
	if obs.nodes, err = listNodes(ctx, cs); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", bodylimit.Cause(err))
	}
	if obs.kubeSystemID, obs.namespaces, err = projectNamespaces(ctx, cs, projects); err != nil {
		return nil, fmt.Errorf("listing namespaces: %w", bodylimit.Cause(err))
	}
	if obs.kubeSystemID == "" {
		return nil, fmt.Errorf("namespace %s not found", metav1.NamespaceSystem)
	}
	return &obs, nil
}

// identityMismatch explains why the downstream is not the cluster the record names.
func identityMismatch(clusterID, kubeSystemID string) error {
	if clusterID == kubeSystemID {
		return nil
	}
	return fmt.Errorf("the downstream's kube-system UID is %s but spec.clusterID is %s: the credentials reach a different cluster; nothing is changed there", kubeSystemID, clusterID)
}
