package clustersync

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
	"github.com/kubectl-import/kubectl-import/pkg/status"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// Downstream is the cluster being synchronised, as whoever runs the sync reaches it.
type Downstream struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	// Where says, in messages, how the downstream was reached: its URL (direct mode) or
	// "from inside the cluster" (agent mode).
	Where string
	// As says as whom: "as the import agent".
	As string
	// Timeout bounds the probe and, separately, the writes of one sync.
	Timeout time.Duration
}

// Connect is the downstream reached through cfg (built by pkg/dsclient), described in
// messages as where and as, each probe and the writes of each sync bounded by timeout.
func Connect(cfg *rest.Config, where, as string, timeout time.Duration) (Downstream, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Downstream{}, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return Downstream{}, err
	}
	return Downstream{Client: cs, Dynamic: dyn, Where: where, As: as, Timeout: timeout}, nil
}

// DefaultTimeout bounds a probe when Downstream.Timeout is not set.
const DefaultTimeout = 5 * time.Second

func (ds Downstream) timeout() time.Duration {
	if ds.Timeout <= 0 {
		return DefaultTimeout
	}
	return ds.Timeout
}

// Sync probes the downstream and, when it is the cluster spec.clusterID names, assigns
// projects, applies members, detects capabilities, drives K3s upgrades and publishes the
// About API's ClusterProperties (when the downstream serves that API), recording each
// outcome in ic.Status (observations and conditions). It reports whether the downstream
// was reached and is the right cluster. Nothing is returned as an error: every failure is a
// condition, so the caller writes status whatever happened.
func Sync(ctx context.Context, ds Downstream, ic *v1alpha1.ImportedCluster, events record.EventRecorder) bool {
	st := &ic.Status
	st.ObservedGeneration = ic.Generation
	probeCtx, cancel := context.WithTimeout(ctx, ds.timeout())
	defer cancel()
	projects := inspect.NewProjectIndex(ic.Spec.Projects)
	obs, err := probe(probeCtx, ds.Client, projects)
	if err != nil {
		reason := v1alpha1.ReasonProbeFailed
		if bodylimit.Refused(err) {
			reason = v1alpha1.ReasonAnsweredTooMuch
		}
		status.NotConnected(ic, reason, fmt.Sprintf("cannot reach the downstream %s: %v", ds.Where, err))
		return false
	}
	if err := identityMismatch(ic.Spec.ClusterID, obs.kubeSystemID); err != nil {
		status.NotConnected(ic, v1alpha1.ReasonIdentityMismatch, err.Error())
		return false
	}
	now := metav1.Now()
	nodes := inspect.Nodes(obs.nodes)
	st.LastProbeTime = &now
	st.KubernetesVersion = obs.gitVersion
	st.Distribution = inspect.Distribution(obs.gitVersion, obs.nodes)
	st.Nodes = &nodes
	status.SetCondition(ic, v1alpha1.ConditionConnected, metav1.ConditionTrue, v1alpha1.ReasonReached,
		fmt.Sprintf("reached %s (%s) %s", ds.Where, obs.gitVersion, ds.As))

	writeCtx, cancelWrite := context.WithTimeout(ctx, ds.timeout())
	defer cancelWrite()
	syncProjects(writeCtx, ds, ic, projects, obs.namespaces)
	err = applyMembers(writeCtx, ds.Client, ic.Name, ic.Spec.Members)
	if err == nil {
		err = applyImpersonator(writeCtx, ds.Client, validate.Subjects(&ic.Spec))
	}
	if err != nil {
		status.SetCondition(ic, v1alpha1.ConditionMembersApplied, metav1.ConditionFalse, v1alpha1.ReasonFailed, err.Error())
	} else {
		status.SetCondition(ic, v1alpha1.ConditionMembersApplied, metav1.ConditionTrue, v1alpha1.ReasonApplied,
			fmt.Sprintf("%d member(s) bound", len(ic.Spec.Members)))
	}
	observeCapabilities(ic, obs, events)
	observeUpgrade(writeCtx, ds, ic, obs)
	publishAbout(writeCtx, ds, ic)
	return true
}
