package validate

import (
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// typicalCluster is an Active K3s cluster with the six capability overrides set.
func typicalCluster() *v1alpha1.ImportedCluster {
	c := k3sCluster("v1.30.4+k3s1", 1, 2)
	c.Annotations = map[string]string{
		"capabilities/ingressCapabilities":                 `[{"ingressProvider":"Nginx","customDefaultBackend":false}]`,
		"capabilities/loadBalancerCapabilities":            `{"enabled":true,"provider":"ELB","protocolsSupported":["TCP","UDP"],"healthCheckSupported":true}`,
		"capabilities/nodePoolScalingSupported":            "false",
		"capabilities.cattle.io/nodePortRange":             "30000-32767",
		"capabilities/pspEnabled":                          "false",
		"capabilities/taintSupport":                        "true",
		"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"kimport.dev/v1alpha1","kind":"ImportedCluster"}`,
	}
	return c
}

func BenchmarkImportedCluster(b *testing.B) {
	stored := typicalCluster()
	upgrade := stored.DeepCopy()
	upgrade.Spec.K3s.Version = "v1.31.1+k3s1"
	pools := threeByFive
	pools.NotReadyWorkers, pools.NotReadyWorkerCount = []string{"w4"}, 1
	// `join` setting the identity of a registration waiting for it, with its join token.
	waiting := stored.DeepCopy()
	waiting.Spec.ClusterID, waiting.Spec.APIServer, waiting.Spec.K3s, waiting.Status = "", "", nil, v1alpha1.ImportedClusterStatus{}
	joined := waiting.DeepCopy()
	joined.Spec.ClusterID, joined.Spec.APIServer = "00000000-0000-4000-8000-000000000009", "https://10.0.0.9:6443"
	joined.Labels = map[string]string{v1alpha1.ClusterIDLabel: "00000000-0000-4000-8000-000000000009"}
	requests := []struct {
		name           string
		newObj, oldObj *v1alpha1.ImportedCluster
		others         []v1alpha1.ImportedCluster
		user           string
		wantErrs       bool
	}{
		{"create", stored, nil, nil, "", false},
		{"create-duplicate", stored, nil, []v1alpha1.ImportedCluster{cluster("prod", "00000000-0000-4000-8000-000000000001", v1alpha1.PhaseActive)}, "", true},
		{"update-start-upgrade", upgrade, stored, nil, "", false},
		{"join-set-identity", joined, waiting, nil, v1alpha1.JoinUsername(joined.Name), false},
	}
	for _, req := range requests {
		b.Run(req.name, func(b *testing.B) {
			c := Context{Others: req.others, Pools: pools, KubeMinor: 30, Username: req.user}
			if r := ImportedCluster(req.newObj, req.oldObj, c); (len(r.Errors) > 0) != req.wantErrs {
				b.Fatalf("unexpected result: %v %v", r.Errors, r.Warnings)
			}
			b.ReportAllocs()
			cpu := processCPU(b)
			for b.Loop() {
				ImportedCluster(req.newObj, req.oldObj, c)
			}
			// ns/op is wall time, inflated when the machine is shared; CPU time is not.
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time (user + system) this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
