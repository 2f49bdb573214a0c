package hostile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// otherWrites writes other clusters' ImportedClusters as an admin would, twice a second, for
// as long as the attack lasts: a create, a change of its spec, and a create of a duplicate,
// which the webhook (failurePolicy Fail) must refuse with its Identity rule — a refusal for
// any other reason (the webhook unreachable) is a failure.
type otherWrites struct {
	done              chan struct{}
	wg                sync.WaitGroup
	admitted, refused int
	failures          []string
}

func startOtherWrites(t *testing.T, hub *testenv.Cluster) *otherWrites {
	t.Helper()
	w := &otherWrites{done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		ctx := context.Background()
		for i := 0; ; i++ {
			select {
			case <-w.done:
				return
			case <-time.After(500 * time.Millisecond):
			}
			w.round(ctx, hub.Client, i)
		}
	}()
	return w
}

func (w *otherWrites) round(ctx context.Context, c client.Client, i int) {
	name, id := fmt.Sprintf("other-%d", i), uuid.NewString()
	ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1alpha1.ClusterIDLabel: id}},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: id, APIServer: "https://" + name + ".example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}}}
	w.count(c.Create(ctx, ic), name+" create")
	spec := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"displayName":"Other `+name+`"}}`))
	w.count(c.Patch(ctx, ic, spec), name+" spec update")
	dup := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name + "-copy", Labels: map[string]string{v1alpha1.ClusterIDLabel: id}},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: id, APIServer: "https://copy.example:6443",
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name + "-copy")}}}
	err := c.Create(ctx, dup)
	var status apierrors.APIStatus
	switch {
	case err == nil:
		w.failures = append(w.failures, name+"-copy: a duplicate clusterID was admitted")
	case errors.As(err, &status) && hasCause(status, validate.RuleIdentity.CauseType()):
		w.refused++
	default:
		w.failures = append(w.failures, name+"-copy: refused, but not by the Identity rule: "+err.Error())
	}
}

// hasCause says whether the refusal names the rule as a cause (validate.Rule), as the webhook
// answers.
func hasCause(status apierrors.APIStatus, cause metav1.CauseType) bool {
	if d := status.Status().Details; d != nil {
		for _, c := range d.Causes {
			if c.Type == cause {
				return true
			}
		}
	}
	return false
}

func (w *otherWrites) count(err error, what string) {
	if err != nil {
		w.failures = append(w.failures, what+": "+err.Error())
		return
	}
	w.admitted++
}

// stop ends the writes and returns what happened.
func (w *otherWrites) stop() (admitted, refused int, failures []string) {
	close(w.done)
	w.wg.Wait()
	return w.admitted, w.refused, w.failures
}
