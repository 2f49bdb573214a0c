package list

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// BenchmarkListFleet: `kubectl import list` (the built bin/kubectl-import) against
// `kubectl get importedclusters` on a hub holding 5,000 clusters, each a fresh process as a
// user runs them; the median of 5 runs each. Run once (make bench: -benchtime 1x).
func BenchmarkListFleet(b *testing.B) {
	const n = 5000
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	plugin := filepath.Join(root, "bin", "kubectl-import")
	if _, err := os.Stat(plugin); err != nil {
		b.Fatalf("%s not built: run 'make build' (make bench does)", plugin)
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		b.Skipf("no kubectl on PATH to compare with: %v", err)
	}
	testenv.AssertNoChildrenLeft(b)
	hub := hubtest.Start(b)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for w := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 50 {
				ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cluster-%05d", i)},
					Spec: v1alpha1.ImportedClusterSpec{ClusterID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), APIServer: "https://10.0.0.1:6443",
						CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(fmt.Sprintf("cluster-%05d", i))}}}
				if err := hub.Client.Create(ctx, ic); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	median := func(name string, args ...string) time.Duration {
		var ds []time.Duration
		for range 5 {
			cmd := exec.Command(name, args...)
			cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+b.TempDir())
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s %v: %v\n%s", name, args, err, out)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	for range b.N {
		ours := median(plugin, "list", "--hub-kubeconfig", hub.Kubeconfig)
		theirs := median(kubectl, "get", "importedclusters", "--kubeconfig", hub.Kubeconfig)
		fmt.Printf("kubectl import list at %d clusters: %d ms; kubectl get importedclusters: %d ms; ratio %.2f\n",
			n, ours.Milliseconds(), theirs.Milliseconds(), float64(ours)/float64(theirs))
	}
}
