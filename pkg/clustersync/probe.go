package clustersync

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"
)

// observation is what one probe read from a downstream.
type observation struct {
	gitVersion   string
	nodes        []corev1.Node
	namespaces   []corev1.Namespace
	kubeSystemID string
}

func (o *observation) namespaceNames() []string {
	names := make([]string, len(o.namespaces))
	for i := range o.namespaces {
		names[i] = o.namespaces[i].Name
	}
	return names
}

// probe reads the server version, every node and every namespace, paged, keeping of each node
// only what the sync reads (listNodes): a probe's memory does not grow with the size of a
// node object. The error says which read failed.
func probe(ctx context.Context, cs kubernetes.Interface) (*observation, error) {
	var obs observation
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the server version: %w", err)
	}
	obs.gitVersion = v.GitVersion
	if obs.nodes, err = listNodes(ctx, cs); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	err = pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return cs.CoreV1().Namespaces().List(ctx, opts)
	})).EachListItem(ctx, metav1.ListOptions{}, func(o runtime.Object) error {
		ns := o.(*corev1.Namespace)
		if ns.Name == metav1.NamespaceSystem {
			obs.kubeSystemID = string(ns.UID)
		}
		obs.namespaces = append(obs.namespaces, *ns)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing namespaces: %w", err)
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
