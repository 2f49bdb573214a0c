package validate

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func TestPoolsFromStatus(t *testing.T) {
	st := v1alpha1.ImportedClusterStatus{
		Distribution:      v1alpha1.DistK3s,
		KubernetesVersion: "v1.30.4+k3s1",
		Nodes: &v1alpha1.NodeSummary{
			Total: 30, Ready: 27, Etcd: 3,
			ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 2, NotReady: []string{"s1"}},
			Workers:      v1alpha1.PoolSummary{Total: 27, Ready: 25, NotReady: []string{"w1", "w2"}},
		},
	}
	want := PoolState{Servers: 3, EtcdServers: 3, Workers: 27, NotReadyServers: []string{"s1"}, NotReadyWorkers: []string{"w1", "w2"},
		NotReadyServerCount: 1, NotReadyWorkerCount: 2, RunningVersion: "v1.30.4+k3s1", Distribution: v1alpha1.DistK3s, NodesObserved: true}
	if got := PoolsFromStatus(st); !reflect.DeepEqual(got, want) {
		t.Errorf("PoolsFromStatus = %+v, want %+v", got, want)
	}
	if got := PoolsFromStatus(v1alpha1.ImportedClusterStatus{}); !reflect.DeepEqual(got, PoolState{}) {
		t.Errorf("PoolsFromStatus(empty) = %+v", got)
	}
}

func TestContextFor(t *testing.T) {
	old := cluster("prod", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)
	old.Status.KubernetesVersion = "v1.26.3+k3s1"
	others := []v1alpha1.ImportedCluster{cluster("twin", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)}
	c := ContextFor(&old, others, "alice", []string{"hub"})
	if c.KubeMinor != 26 || c.Pools.RunningVersion != "v1.26.3+k3s1" || len(c.Others) != 1 || c.Username != "alice" || !reflect.DeepEqual(c.Writers, []string{"hub"}) {
		t.Errorf("ContextFor(old) = %+v", c)
	}
	if c := ContextFor(nil, nil, "", nil); c.KubeMinor != 0 || !reflect.DeepEqual(c.Pools, PoolState{}) {
		t.Errorf("ContextFor(nil) = %+v", c)
	}
}

func TestImportedClusterCombinesEveryRule(t *testing.T) {
	newObj := k3sCluster("v1.31.0+k3s1", 2, 1)
	newObj.Annotations = map[string]string{"capabilities/taintSupport": "yes", "capabilities/pspEnabled": "F"}
	others := []v1alpha1.ImportedCluster{cluster("prod", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)}
	r := ImportedCluster(newObj, nil, Context{Others: others, Pools: threeByFive, KubeMinor: 30})
	expectResult(t, r,
		[]string{`spec.clusterID: Invalid value: "00000000-0000-4000-8000-000000000001": this cluster is already imported as "prod"`,
			`metadata.annotations[capabilities/taintSupport]: Invalid value: "yes"`,
			`spec.k3s.upgradeStrategy.serverConcurrency: Invalid value: 2`},
		[]string{`"F" is read as false`, `pspEnabled has no effect`})
	msg := r.Err().Error()
	for _, e := range r.Errors {
		if !strings.Contains(msg, e.Error()) {
			t.Errorf("Err() %q lacks %q", msg, e.Error())
		}
	}

	valid := k3sCluster("v1.31.0+k3s1", 1, 1)
	valid.Annotations = map[string]string{"capabilities.cattle.io/nodePortRange": "30000-32767"}
	expectResult(t, ImportedCluster(valid, nil, Context{Pools: threeByFive, KubeMinor: 30}), nil, nil)
}

func TestImportedClusterNeverRefusesANoOpUpdate(t *testing.T) {
	// Stored while the webhook was down: everything about it is wrong now.
	stored := k3sCluster("v1.29.0+k3s1", 3, 0)
	stored.Annotations = map[string]string{"capabilities/nodePortRange": "1", "capabilities/bogus": "x"}
	stored.Finalizers = []string{v1alpha1.Finalizer}
	c := Context{Others: []v1alpha1.ImportedCluster{cluster("twin", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)}, Pools: threeByFive, KubeMinor: 30}

	relabelled := stored.DeepCopy()
	relabelled.Labels["team"] = "edge"
	r := ImportedCluster(relabelled, stored, c)
	expectResult(t, r, nil, []string{`[capabilities/nodePortRange]: Invalid value: "1"`, `[capabilities/bogus]: Invalid value: "bogus": unknown capability`})

	// Deleted, and the hub reports it cannot clean the downstream: --force lets it go.
	stored.DeletionTimestamp = &metav1.Time{}
	stored.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionDownstreamRemoved, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonRetrying}}
	forced := stored.DeepCopy()
	forced.Finalizers = nil
	expectResult(t, ImportedCluster(forced, stored, c), nil, []string{`[capabilities/nodePortRange]`, `[capabilities/bogus]`})
}
