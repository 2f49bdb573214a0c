package k3s

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Annotation prefixes of the launch configuration: K3s writes k3s.io/node-args and
// k3s.io/node-env, RKE2 the same keys under rke2.io/.
var configPrefixes = []string{"k3s.io/", "rke2.io/"}

// NodeConfig is one node's launch configuration, secrets masked.
type NodeConfig struct {
	Name string `json:"name"`
	// Role is "server" (control plane) or "agent", as K3s names them.
	Role string `json:"role"`
	// Etcd says whether the node is an embedded-etcd member.
	Etcd    bool   `json:"etcd,omitempty"`
	Version string `json:"version"`
	// Source is the annotation prefix the configuration came from (k3s.io/ or rke2.io/);
	// empty when the node has none.
	Source string            `json:"source,omitempty"`
	Args   []string          `json:"args"`
	Env    map[string]string `json:"env"`
	// Problem says why an annotation could not be read (never repeating its value).
	Problem string `json:"problem,omitempty"`
}

// ReadNodeConfig reads node's launch configuration from its annotations, redacted with
// RedactArgs and RedactEnv. The raw values never leave this function.
func ReadNodeConfig(node *corev1.Node) NodeConfig {
	nc := NodeConfig{Name: node.Name, Role: "agent", Version: node.Status.NodeInfo.KubeletVersion,
		Args: []string{}, Env: map[string]string{}}
	if node.Labels[v1alpha1.NodeRoleControlPlane] == "true" || node.Labels[v1alpha1.NodeRoleMaster] == "true" {
		nc.Role = "server"
	}
	nc.Etcd = node.Labels[v1alpha1.NodeRoleEtcd] == "true"
	for _, prefix := range configPrefixes {
		argsJSON, hasArgs := node.Annotations[prefix+"node-args"]
		envJSON, hasEnv := node.Annotations[prefix+"node-env"]
		if !hasArgs && !hasEnv {
			continue
		}
		nc.Source = prefix
		var problems []string
		if hasArgs {
			var args []string
			if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
				problems = append(problems, fmt.Sprintf("%snode-args is not a JSON array of strings", prefix))
			} else {
				nc.Args = RedactArgs(args)
			}
		}
		if hasEnv {
			var env map[string]string
			if err := json.Unmarshal([]byte(envJSON), &env); err != nil {
				problems = append(problems, fmt.Sprintf("%snode-env is not a JSON object of strings", prefix))
			} else {
				nc.Env = RedactEnv(env)
			}
		}
		nc.Problem = strings.Join(problems, "; ")
		break
	}
	return nc
}

// ReadNodeConfigs reads every node's configuration, sorted servers first, then by name.
func ReadNodeConfigs(nodes []corev1.Node) []NodeConfig {
	out := make([]NodeConfig, 0, len(nodes))
	for i := range nodes {
		out = append(out, ReadNodeConfig(&nodes[i]))
	}
	slices.SortFunc(out, func(a, b NodeConfig) int {
		if a.Role != b.Role {
			return strings.Compare(b.Role, a.Role) // "server" before "agent"
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// EnvList is env as sorted NAME=VALUE strings.
func EnvList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// serverArgs are the launch arguments of every server node, unredacted: capability
// detection reads flag values (never secret ones) from them.
func serverArgs(nodes []corev1.Node) (args [][]string, known bool) {
	for i := range nodes {
		if !IsServer(&nodes[i]) {
			continue
		}
		for _, prefix := range configPrefixes {
			var a []string
			if err := json.Unmarshal([]byte(nodes[i].Annotations[prefix+"node-args"]), &a); err == nil {
				args = append(args, a)
				break
			}
		}
	}
	return args, len(args) > 0
}
