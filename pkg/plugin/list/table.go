package list

import (
	"fmt"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Headers of the table; wide adds the pools, the connection mode, the endpoint and the
// identity before AGE.
func Headers(wide bool) []string {
	h := []string{"NAME", "DISPLAY NAME", "PHASE", "DISTRIBUTION", "VERSION", "NODES"}
	if wide {
		h = append(h, "CONTROL-PLANE", "WORKERS", "MODE", "API SERVER", "CLUSTER ID")
	}
	return append(h, "AGE")
}

// Rows has one row per cluster, in the given order. Node counts read ready/total.
func Rows(items []v1alpha1.ImportedCluster, wide bool, now time.Time) [][]string {
	rows := make([][]string, 0, len(items))
	for i := range items {
		ic := &items[i]
		st := ic.Status
		nodes, cp, workers := "<none>", "<none>", "<none>"
		if n := st.Nodes; n != nil {
			nodes = readyOfTotal(n.Ready, n.Total)
			cp = readyOfTotal(n.ControlPlane.Ready, n.ControlPlane.Total)
			workers = readyOfTotal(n.Workers.Ready, n.Workers.Total)
		}
		row := []string{ic.Name, common.DisplayName(ic), common.ValueOrNone(string(st.Phase)),
			common.ValueOrNone(string(st.Distribution)), common.ValueOrNone(st.KubernetesVersion), nodes}
		if wide {
			row = append(row, cp, workers, string(common.Mode(ic)), common.IdentityValue(ic, ic.Spec.APIServer), common.IdentityValue(ic, ic.Spec.ClusterID))
		}
		rows = append(rows, append(row, common.Age(ic.CreationTimestamp, now)))
	}
	return rows
}

func readyOfTotal(ready, total int32) string { return fmt.Sprintf("%d/%d", ready, total) }
