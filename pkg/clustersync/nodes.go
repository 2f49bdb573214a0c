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
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// nodePageSize bounds one page of nodes; a page is decoded node by node as it arrives, so a
// probe holds one node's JSON at a time, however many nodes the cluster has.
const nodePageSize = 50

// keptAnnotationSuffix names the only node annotations the sync reads: the launch arguments
// K3s and RKE2 record (capability detection).
const keptAnnotationSuffix = "/node-args"

// Memory of the nodes a probe keeps: every node counts nodeCost (its struct) and the bytes of
// what it keeps; past keptNodesBudget the list is refused. Real K3s nodes keep under 2 KiB
// each, so the budget holds some 15,000 of them (Kubernetes supports 5,000).
const (
	nodeCost        = 1 << 10
	keptEntryCost   = 64 // a map entry's overhead
	keptNodesBudget = 32 << 20
)

// nodeLabels are the node labels the sync reads (inspect.ReadsLabel), decoded without the rest.
type nodeLabels map[string]string

func (l *nodeLabels) UnmarshalJSON(data []byte) error {
	m, err := decodeKept(data, inspect.ReadsLabel)
	*l = m
	return err
}

// nodeArgs are the launch-argument annotations, decoded without the rest.
type nodeArgs map[string]string

func (a *nodeArgs) UnmarshalJSON(data []byte) error {
	m, err := decodeKept(data, func(k string) bool { return strings.HasSuffix(k, keptAnnotationSuffix) })
	*a = m
	return err
}

// slimNode is what the sync reads of a node: name, the labels it reads, the launch-argument annotations,
// providerID, the Ready condition and the kubelet version. Decoding into it never allocates a
// node's images, managedFields or the rest of its status.
type slimNode struct {
	Metadata struct {
		Name        string     `json:"name"`
		Labels      nodeLabels `json:"labels"`
		Annotations nodeArgs   `json:"annotations"`
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
	n.Labels, n.Annotations = s.Metadata.Labels, s.Metadata.Annotations
	n.Spec.ProviderID, n.Spec.Unschedulable = s.Spec.ProviderID, s.Spec.Unschedulable
	for _, c := range s.Status.Conditions {
		if c.Type == corev1.NodeReady {
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: c.Type, Status: c.Status})
		}
	}
	n.Status.NodeInfo.KubeletVersion = s.Status.NodeInfo.KubeletVersion
	return n
}

// cost is what keeping n takes, for keptNodesBudget.
func cost(n *corev1.Node) int64 {
	c := int64(nodeCost + len(n.Name) + len(n.Spec.ProviderID) + len(n.Status.NodeInfo.KubeletVersion))
	for _, m := range []map[string]string{n.Labels, n.Annotations} {
		for k, v := range m {
			c += int64(len(k) + len(v) + keptEntryCost)
		}
	}
	return c
}

// nodeKeeper keeps nodes until their cost passes keptNodesBudget.
type nodeKeeper struct {
	nodes []corev1.Node
	spent int64
}

func (k *nodeKeeper) keep(n corev1.Node) error {
	if k.spent += cost(&n); k.spent > keptNodesBudget {
		return &bodylimit.KeptTooMuchError{Message: fmt.Sprintf(
			"the downstream listed more nodes than kubectl-import keeps of one cluster (%d so far: the fields it reads of them passed %d MiB)", len(k.nodes), keptNodesBudget>>20)}
	}
	k.nodes = append(k.nodes, n)
	return nil
}

// listNodes lists every node in pages of nodePageSize, keeping only what the sync reads.
func listNodes(ctx context.Context, cs kubernetes.Interface) ([]corev1.Node, error) {
	var k nodeKeeper
	rc, ok := cs.CoreV1().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil { // an in-memory clientset has no REST client to stream from
		err := eachTyped(ctx, func(opts metav1.ListOptions) (runtime.Object, error) {
			return cs.CoreV1().Nodes().List(ctx, opts)
		}, nodePageSize, func(raw []byte) error {
			var s slimNode
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			return k.keep(s.node())
		})
		return k.nodes, err
	}
	err := streamList(ctx, rc, "nodes", metav1.ListOptions{Limit: nodePageSize}, func(dec *json.Decoder) error {
		var s slimNode
		if err := dec.Decode(&s); err != nil {
			return err
		}
		return k.keep(s.node())
	})
	return k.nodes, err
}

// eachTyped pages through a typed list (a fake clientset's) and hands each item's JSON to each,
// as streamList hands over its decoder.
func eachTyped(ctx context.Context, list func(metav1.ListOptions) (runtime.Object, error), pageSize int64, each func([]byte) error) error {
	return pager.New(pager.SimplePageFunc(list)).EachListItem(ctx, metav1.ListOptions{Limit: pageSize}, func(o runtime.Object) error {
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		return each(raw)
	})
}
