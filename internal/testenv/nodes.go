package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Node labels and annotations as K3s sets them.
const (
	AnnotationArgs = "k3s.io/node-args"
	AnnotationEnv  = "k3s.io/node-env"
	AnnotationHash = "k3s.io/node-config-hash"
)

// CreateK3sNodes creates the Node objects of a K3s cluster with embedded etcd: servers
// k3s-server-1..n and agents k3s-agent-1..m, Ready, with the labels, annotations and status K3s
// gives real nodes (their secrets already replaced by ******** as K3s does).
func CreateK3sNodes(ctx context.Context, c client.Client, servers, agents int, version string) error {
	for i := 1; i <= servers; i++ {
		args := []string{"server", "--cluster-init", "--token", "********", "--write-kubeconfig-mode", "644",
			"--node-label", "pool=servers", "--etcd-s3-access-key", "********"}
		if i > 1 {
			args = []string{"server", "--server", "https://10.0.0.1:6443", "--token", "********", "--write-kubeconfig-mode", "644"}
		}
		env := map[string]string{"K3S_TOKEN": "********", "K3S_KUBECONFIG_MODE": "644"}
		labels := map[string]string{v1alpha1.NodeRoleControlPlane: "true", v1alpha1.NodeRoleMaster: "true", v1alpha1.NodeRoleEtcd: "true"}
		if err := createK3sNode(ctx, c, fmt.Sprintf("k3s-server-%d", i), 10+i, version, labels, args, env); err != nil {
			return err
		}
	}
	for i := 1; i <= agents; i++ {
		args := []string{"agent", "--server", "https://10.0.0.1:6443", "--token", "********"}
		env := map[string]string{"K3S_URL": "https://10.0.0.1:6443", "K3S_TOKEN": "********"}
		if err := createK3sNode(ctx, c, fmt.Sprintf("k3s-agent-%d", i), 100+i, version, nil, args, env); err != nil {
			return err
		}
	}
	return nil
}

func createK3sNode(ctx context.Context, c client.Client, name string, ip int, version string, labels map[string]string, args []string, env map[string]string) error {
	argsJSON, _ := json.Marshal(args)
	envJSON, _ := json.Marshal(env)
	sum := sha256.Sum256(append(append([]byte{}, argsJSON...), envJSON...))
	annotations := map[string]string{
		AnnotationArgs: string(argsJSON),
		AnnotationEnv:  string(envJSON),
		AnnotationHash: base32.StdEncoding.EncodeToString(sum[:]),
	}
	all := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
		"kubernetes.io/arch": "amd64", "node.kubernetes.io/instance-type": "k3s"}
	for k, v := range labels {
		all[k] = v
	}
	return createNode(ctx, c, name, fmt.Sprintf("10.0.0.%d", ip), version, all, annotations, "k3s://"+name)
}

// CreateNodes creates n Ready nodes prefix-1..n of a plain cluster whose kubelets run version,
// with extra labels.
func CreateNodes(ctx context.Context, c client.Client, prefix string, n int, version string, labels map[string]string) error {
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		all := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
		for k, v := range labels {
			all[k] = v
		}
		if err := createNode(ctx, c, name, fmt.Sprintf("10.1.0.%d", i), version, all, nil, ""); err != nil {
			return err
		}
	}
	return nil
}

func createNode(ctx context.Context, c client.Client, name, ip, version string, labels, annotations map[string]string, providerID string) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations},
		Spec:       corev1.NodeSpec{ProviderID: providerID},
	}
	if err := c.Create(ctx, node); err != nil {
		return fmt.Errorf("creating node %s: %w", name, err)
	}
	node.Status = corev1.NodeStatus{
		Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}, {Type: corev1.NodeHostName, Address: name}},
		NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: version, OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "containerd://1.7.22-k3s1"},
		Conditions: []corev1.NodeCondition{readyCondition(true)},
	}
	if err := c.Status().Update(ctx, node); err != nil {
		return fmt.Errorf("writing the status of node %s: %w", name, err)
	}
	return nil
}

func readyCondition(ready bool) corev1.NodeCondition {
	cond := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}
	if !ready {
		cond.Status, cond.Reason, cond.Message = corev1.ConditionFalse, "KubeletNotReady", "node is not posting ready status"
	}
	return cond
}

// SetNodeReady sets a node's Ready condition, as its kubelet (or the node lifecycle
// controller) would.
func SetNodeReady(ctx context.Context, c client.Client, name string, ready bool) error {
	var node corev1.Node
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &node); err != nil {
		return err
	}
	cond := readyCondition(ready)
	replaced := false
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == corev1.NodeReady {
			node.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		node.Status.Conditions = append(node.Status.Conditions, cond)
	}
	return c.Status().Update(ctx, &node)
}
