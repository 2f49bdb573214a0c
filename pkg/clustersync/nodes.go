package clustersync

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// nodePageSize bounds one page of nodes; a page is decoded node by node as it arrives, so a
// probe holds one node's JSON at a time, however many nodes the cluster has.
const nodePageSize = 50

// keptAnnotationSuffix names the only node annotations the sync reads: the launch arguments
// K3s and RKE2 record (capability detection).
const keptAnnotationSuffix = "/node-args"

// slimNode is what the sync reads of a node: name, the labels it reads, the launch-argument annotations,
// providerID, the Ready condition and the kubelet version. Decoding into it never allocates a
// node's images, managedFields or the rest of its status.
type slimNode struct {
	Metadata struct {
		Name        string            `json:"name"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		ProviderID    string `json:"providerID"`
		Unschedulable bool   `json:"unschedulable"`
	} `json:"spec"`
	Status struct {
		Conditions []struct {
			Type   corev1.NodeConditionType `json:"type"`
			Status corev1.ConditionStatus   `json:"status"`
		} `json:"conditions"`
		NodeInfo struct {
			KubeletVersion string `json:"kubeletVersion"`
		} `json:"nodeInfo"`
	} `json:"status"`
}

// node is the corev1.Node holding only what slimNode read.
func (s *slimNode) node() corev1.Node {
	n := corev1.Node{}
	n.Name = s.Metadata.Name
	for k, v := range s.Metadata.Labels {
		if inspect.ReadsLabel(k) {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels[k] = v
		}
	}
	for k, v := range s.Metadata.Annotations {
		if strings.HasSuffix(k, keptAnnotationSuffix) {
			if n.Annotations == nil {
				n.Annotations = map[string]string{}
			}
			n.Annotations[k] = v
		}
	}
	n.Spec.ProviderID, n.Spec.Unschedulable = s.Spec.ProviderID, s.Spec.Unschedulable
	for _, c := range s.Status.Conditions {
		if c.Type == corev1.NodeReady {
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: c.Type, Status: c.Status})
		}
	}
	n.Status.NodeInfo.KubeletVersion = s.Status.NodeInfo.KubeletVersion
	return n
}

// listNodes lists every node in pages of nodePageSize, keeping only what the sync reads.
func listNodes(ctx context.Context, cs kubernetes.Interface) ([]corev1.Node, error) {
	rc, ok := cs.CoreV1().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil {
		return listTypedNodes(ctx, cs) // a fake clientset (unit tests) has no REST client
	}
	var nodes []corev1.Node
	opts := metav1.ListOptions{Limit: nodePageSize}
	for {
		next, err := streamNodePage(ctx, rc, opts, func(s *slimNode) { nodes = append(nodes, s.node()) })
		if err != nil {
			return nil, err
		}
		if next == "" {
			return nodes, nil
		}
		opts.Continue = next
	}
}

// streamNodePage decodes one page of the node list item by item as it arrives, so that
// neither the page's JSON nor its decoded items are ever held whole; it returns the continue
// token.
func streamNodePage(ctx context.Context, rc *rest.RESTClient, opts metav1.ListOptions, each func(*slimNode)) (string, error) {
	body, err := rc.Get().Resource("nodes").VersionedParams(&opts, scheme.ParameterCodec).Stream(ctx)
	if err != nil {
		return "", err
	}
	defer body.Close()
	dec := json.NewDecoder(body)
	bad := func(err error) (string, error) { return "", fmt.Errorf("decoding a page of nodes: %w", err) }
	if _, err := dec.Token(); err != nil { // {
		return bad(err)
	}
	next := ""
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		switch key {
		case "metadata":
			var m struct {
				Continue string `json:"continue"`
			}
			if err := dec.Decode(&m); err != nil {
				return bad(err)
			}
			next = m.Continue
		case "items":
			if _, err := dec.Token(); err != nil { // [
				return bad(err)
			}
			for dec.More() {
				var s slimNode
				if err := dec.Decode(&s); err != nil {
					return bad(err)
				}
				each(&s)
			}
			if _, err := dec.Token(); err != nil { // ]
				return bad(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bad(err)
			}
		}
	}
	return next, nil
}

// listTypedNodes is listNodes through the typed client, slimmed the same way.
func listTypedNodes(ctx context.Context, cs kubernetes.Interface) ([]corev1.Node, error) {
	var nodes []corev1.Node
	err := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return cs.CoreV1().Nodes().List(ctx, opts)
	})).EachListItem(ctx, metav1.ListOptions{Limit: nodePageSize}, func(o runtime.Object) error {
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		var s slimNode
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		nodes = append(nodes, s.node())
		return nil
	})
	return nodes, err
}
