package clustersync

import (
	"context"
	"encoding/json"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ShowPhase writes the phase into the downstream marker when it differs: `join` waits on it,
// and anyone with access to the downstream can read it there. A marker that cannot be read or
// written does not fail the sync.
func ShowPhase(ctx context.Context, ds Downstream, ic *v1alpha1.ImportedCluster) {
	ctx, cancel := context.WithTimeout(ctx, ds.timeout())
	defer cancel()
	cs := ds.Client
	logger := log.FromContext(ctx).WithValues("configmap", v1alpha1.AgentNamespace+"/"+v1alpha1.MarkerConfigMap)
	phase := string(ic.Status.Phase)
	markers := cs.CoreV1().ConfigMaps(v1alpha1.AgentNamespace)
	cm, err := markers.Get(ctx, v1alpha1.MarkerConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		logger.V(1).Info("no registration marker in the downstream")
		return
	} else if err != nil {
		logger.Info("cannot read the registration marker", "error", err.Error())
		return
	}
	if cm.Data[v1alpha1.MarkerHubPhase] == phase {
		return
	}
	patch, _ := json.Marshal(map[string]any{"data": map[string]string{v1alpha1.MarkerHubPhase: phase}}) // strings always marshal
	if _, err := markers.Patch(ctx, v1alpha1.MarkerConfigMap, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		logger.Info("cannot write the phase into the registration marker", "phase", phase, "error", err.Error())
	}
}
