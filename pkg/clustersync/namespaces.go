package clustersync

import (
	"context"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// namespacePageSize is one page of namespaces, as kubectl pages them.
const namespacePageSize = 500

// projectLabels are a namespace's v1alpha1.ProjectLabel and v1alpha1.ProjectAssignedLabel,
// decoded without its other labels.
type projectLabels inspect.Namespace

func (p *projectLabels) UnmarshalJSON(data []byte) error {
	m, err := decodeKept(data, func(k string) bool { return k == v1alpha1.ProjectLabel || k == v1alpha1.ProjectAssignedLabel })
	_, assigned := m[v1alpha1.ProjectAssignedLabel]
	*p = projectLabels{Project: m[v1alpha1.ProjectLabel], Assigned: assigned}
	return err
}

// slimNamespace is what the sync reads of a namespace.
type slimNamespace struct {
	Metadata struct {
		Name   string        `json:"name"`
		UID    string        `json:"uid"`
		Labels projectLabels `json:"labels"`
	} `json:"metadata"`
}

// eachNamespace hands every namespace matching selector to each, a page at a time, decoded as
// it arrives: nothing of the list is kept but what each keeps.
func eachNamespace(ctx context.Context, cs kubernetes.Interface, selector string, each func(*slimNamespace) error) error {
	decoded := func(raw []byte) error {
		var ns slimNamespace
		if err := json.Unmarshal(raw, &ns); err != nil {
			return err
		}
		return each(&ns)
	}
	rc, ok := cs.CoreV1().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil { // an in-memory clientset has no REST client to stream from
		return eachTyped(ctx, func(opts metav1.ListOptions) (runtime.Object, error) {
			opts.LabelSelector = selector
			return cs.CoreV1().Namespaces().List(ctx, opts)
		}, namespacePageSize, decoded)
	}
	return streamList(ctx, rc, "namespaces", metav1.ListOptions{Limit: namespacePageSize, LabelSelector: selector}, func(dec *json.Decoder) error {
		var ns slimNamespace
		if err := dec.Decode(&ns); err != nil {
			return err
		}
		return each(&ns)
	})
}

// projectNamespaces reads kube-system's UID and, of the namespaces that belong or may belong
// to a project (projects.Keeps: listed, built-in, labelled for a project, or put in one by
// the sync), which are present and their project labels: a cluster's other namespaces,
// however many, are not kept.
func projectNamespaces(ctx context.Context, cs kubernetes.Interface, projects *inspect.ProjectIndex) (kubeSystemID string, present map[string]inspect.Namespace, err error) {
	present = map[string]inspect.Namespace{}
	err = eachNamespace(ctx, cs, "", func(ns *slimNamespace) error {
		if ns.Metadata.Name == metav1.NamespaceSystem {
			kubeSystemID = ns.Metadata.UID
		}
		if labels := inspect.Namespace(ns.Metadata.Labels); projects.Keeps(ns.Metadata.Name, labels) {
			present[ns.Metadata.Name] = labels
		}
		return nil
	})
	return kubeSystemID, present, err
}
