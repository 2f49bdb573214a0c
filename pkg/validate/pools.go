package validate

import (
	"fmt"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// PoolState is what the reconciler last observed of the downstream's nodes, as the upgrade
// rule needs it. Zero counts mean "not observed yet": rules that need them are skipped.
type PoolState struct {
	// Servers are control-plane nodes; EtcdServers those of them that are embedded-etcd
	// members (0 with an external datastore); Workers all other nodes.
	Servers, EtcdServers, Workers int
	// NotReadyServers and NotReadyWorkers name unready nodes; status keeps at most
	// v1alpha1.MaxNotReadyNames per pool, so the counts below may be larger.
	NotReadyServers, NotReadyWorkers []string
	// NotReadyServerCount and NotReadyWorkerCount are the full counts (a count below the
	// number of names is taken as the number of names).
	NotReadyServerCount, NotReadyWorkerCount int
	// RunningVersion is the downstream's version (status.kubernetesVersion), e.g. v1.30.4+k3s1.
	RunningVersion string
	// Distribution is status.distribution; "" when not detected yet.
	Distribution v1alpha1.Distribution
	// NodesObserved says the counts above were observed (status.nodes is set): on CREATE,
	// and while a registration is Pending and was never reached, they are unknown.
	NodesObserved bool
}

// PoolsFromStatus reads a PoolState from an ImportedCluster's status.
func PoolsFromStatus(st v1alpha1.ImportedClusterStatus) PoolState {
	ps := PoolState{RunningVersion: st.KubernetesVersion, Distribution: st.Distribution}
	if n := st.Nodes; n != nil {
		ps.NodesObserved = true
		ps.Servers, ps.EtcdServers, ps.Workers = int(n.ControlPlane.Total), int(n.Etcd), int(n.Workers.Total)
		ps.NotReadyServers, ps.NotReadyWorkers = n.ControlPlane.NotReady, n.Workers.NotReady
		ps.NotReadyServerCount = int(max(0, n.ControlPlane.Total-n.ControlPlane.Ready))
		ps.NotReadyWorkerCount = int(max(0, n.Workers.Total-n.Workers.Ready))
	}
	return ps
}

// pool is one pool's view for the upgrade rule.
type pool struct {
	role          string // "server" or "worker"
	size          int
	notReady      []string
	notReadyCount int
}

func (ps PoolState) servers() pool {
	return pool{"server", ps.Servers, ps.NotReadyServers, max(ps.NotReadyServerCount, len(ps.NotReadyServers))}
}

func (ps PoolState) workers() pool {
	return pool{"worker", ps.Workers, ps.NotReadyWorkers, max(ps.NotReadyWorkerCount, len(ps.NotReadyWorkers))}
}

// maxListedNodes bounds how many node names one message lists.
const maxListedNodes = 5

// describeNotReady says e.g. `2 worker nodes are NotReady (w1, w2)`.
func (p pool) describeNotReady() string {
	names := make([]string, 0, maxListedNodes)
	for _, n := range p.notReady[:min(len(p.notReady), maxListedNodes)] {
		names = append(names, shown(n))
	}
	list := strings.Join(names, ", ")
	if more := p.notReadyCount - len(names); more > 0 {
		if list != "" {
			list += ", "
		}
		list += fmt.Sprintf("and %d more", more)
	}
	verb := "nodes are"
	if p.notReadyCount == 1 {
		verb = "node is"
	}
	return fmt.Sprintf("%d %s %s NotReady (%s)", p.notReadyCount, p.role, verb, list)
}
