package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// Reconciler reconciles ImportedClusters. Build it through SetupWithManager.
type Reconciler struct {
	Client client.Client
	// APIReader reads objects the manager does not cache (identity-claim Leases).
	APIReader client.Reader
	Recorder  record.EventRecorder
	Options   Options
}

// Reconcile probes one downstream and converges it and the record's status, or cleans up a
// deleted record.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var ic v1alpha1.ImportedCluster
	if err := r.Client.Get(ctx, req.NamespacedName, &ic); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ic.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(&ic, v1alpha1.Finalizer) {
			return ctrl.Result{}, nil
		}
		return r.finalize(ctx, &ic)
	}
	if !controllerutil.ContainsFinalizer(&ic, v1alpha1.Finalizer) {
		patch := client.MergeFromWithOptions(ic.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(&ic, v1alpha1.Finalizer)
		if err := r.Client.Patch(ctx, &ic, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding finalizer: %w", err)
		}
	}
	before := ic.Status.DeepCopy()
	ds, err := r.observe(ctx, &ic)
	if err != nil {
		return ctrl.Result{}, err
	}
	ic.Status.Phase = phaseFor(&ic)
	// The marker shows `join`, which has no hub token left by then, how the hub sees the cluster.
	if ds != nil {
		r.showPhase(ctx, ds, &ic)
	}
	if err := r.writeStatus(ctx, &ic, before); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.settleJoin(ctx, &ic); err != nil {
		return ctrl.Result{}, err
	}
	if tok, ok := joinTokenOf(&ic); ok && !tok.expired() {
		return ctrl.Result{RequeueAfter: r.until(tok.expires)}, nil
	}
	return ctrl.Result{RequeueAfter: r.Options.ProbeInterval}, nil
}

// errNoCredentials marks credentials that are missing or unusable: waiting will not help
// until someone writes the Secret.
type errNoCredentials struct {
	reason string
	err    error
}

func (e *errNoCredentials) Error() string { return e.err.Error() }

// credentials reads the cluster's hub credentials Secret. Errors other than errNoCredentials
// come from the hub and are retried.
func (r *Reconciler) credentials(ctx context.Context, ic *v1alpha1.ImportedCluster) (hubcreds.Credentials, error) {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(ic.Name)}
	if err := r.Client.Get(ctx, key, &s); apierrors.IsNotFound(err) {
		return hubcreds.Credentials{}, &errNoCredentials{v1alpha1.ReasonCredentialsMissing, fmt.Errorf(
			"waiting for the credentials Secret %s/%s (labelled %s=%s)", key.Namespace, key.Name, v1alpha1.ClusterLabel, ic.Name)}
	} else if err != nil {
		return hubcreds.Credentials{}, err
	}
	creds, err := hubcreds.FromSecret(&s, ic.Spec.APIServer)
	if err != nil {
		return creds, &errNoCredentials{v1alpha1.ReasonCredentialsInvalid, err}
	}
	return creds, nil
}

// downstreamClient is a client acting as the import's agent, each request bounded by
// ProbeTimeout. The CA is pinned by the credentials.
func (r *Reconciler) downstreamClient(creds hubcreds.Credentials) (kubernetes.Interface, error) {
	return kubernetes.NewForConfig(creds.RESTConfig(v1alpha1.ReconcilerName, r.Options.ProbeTimeout))
}

// notConnected records why the downstream was not reached; the conditions that need it
// wait for it.
func (r *Reconciler) notConnected(ic *v1alpha1.ImportedCluster, reason, msg string) {
	r.setCondition(ic, v1alpha1.ConditionConnected, metav1.ConditionFalse, reason, msg)
	for _, t := range []string{v1alpha1.ConditionProjectsAssigned, v1alpha1.ConditionMembersApplied} {
		if findCondition(&ic.Status, t) == nil {
			r.setCondition(ic, t, metav1.ConditionUnknown, v1alpha1.ReasonNotConnected, "waiting for the downstream to be reached")
		}
	}
}

// observe probes the downstream and, when it is the right cluster, assigns projects and
// applies members, recording each outcome as a condition. It returns a client of the
// downstream when it was reached. Only hub errors are returned.
func (r *Reconciler) observe(ctx context.Context, ic *v1alpha1.ImportedCluster) (kubernetes.Interface, error) {
	st := &ic.Status
	st.ObservedGeneration = ic.Generation
	if ic.Spec.ClusterID == "" {
		return nil, r.awaitJoin(ctx, ic)
	}
	creds, err := r.credentials(ctx, ic)
	var noCreds *errNoCredentials
	if errors.As(err, &noCreds) {
		if _, joining := joinTokenOf(ic); joining {
			return nil, r.awaitJoin(ctx, ic) // `join` set the spec but has not filled the Secret yet
		}
		r.notConnected(ic, noCreds.reason, err.Error())
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if lost, err := r.claimIfJoined(ctx, ic); err != nil || lost {
		return nil, err
	}
	cs, err := r.downstreamClient(creds)
	if err != nil {
		r.notConnected(ic, v1alpha1.ReasonCredentialsInvalid, err.Error())
		return nil, nil
	}
	probeCtx, cancel := context.WithTimeout(ctx, r.Options.ProbeTimeout)
	defer cancel()
	obs, err := probe(probeCtx, cs)
	if err != nil {
		r.notConnected(ic, v1alpha1.ReasonProbeFailed, fmt.Sprintf("cannot reach the downstream at %s: %v", creds.Server, err))
		return nil, nil
	}
	if err := identityMismatch(ic.Spec.ClusterID, obs.kubeSystemID); err != nil {
		r.notConnected(ic, v1alpha1.ReasonIdentityMismatch, err.Error())
		return nil, nil
	}
	now := metav1.Now()
	nodes := inspect.Nodes(obs.nodes)
	st.LastProbeTime = &now
	st.KubernetesVersion = obs.gitVersion
	st.Distribution = inspect.Distribution(obs.gitVersion, obs.nodes)
	st.Nodes = &nodes
	st.Projects = inspect.Projects(obs.namespaceNames())
	r.setCondition(ic, v1alpha1.ConditionConnected, metav1.ConditionTrue, v1alpha1.ReasonReached,
		fmt.Sprintf("reached %s (%s) as the import agent", creds.Server, obs.gitVersion))

	writeCtx, cancelWrite := context.WithTimeout(ctx, r.Options.ProbeTimeout)
	defer cancelWrite()
	if err := assignProjects(writeCtx, cs, obs.namespaces, st.Projects); err != nil {
		r.setCondition(ic, v1alpha1.ConditionProjectsAssigned, metav1.ConditionFalse, v1alpha1.ReasonFailed, err.Error())
	} else {
		r.setCondition(ic, v1alpha1.ConditionProjectsAssigned, metav1.ConditionTrue, v1alpha1.ReasonAssigned,
			fmt.Sprintf("namespaces labelled %s", v1alpha1.ProjectLabel))
	}
	if err := applyMembers(writeCtx, cs, ic.Name, ic.Spec.Members); err != nil {
		r.setCondition(ic, v1alpha1.ConditionMembersApplied, metav1.ConditionFalse, v1alpha1.ReasonFailed, err.Error())
	} else {
		r.setCondition(ic, v1alpha1.ConditionMembersApplied, metav1.ConditionTrue, v1alpha1.ReasonApplied,
			fmt.Sprintf("%d member(s) bound", len(ic.Spec.Members)))
	}
	r.observeCapabilities(ic, obs)
	r.observeUpgrade(writeCtx, ic, creds, cs)
	r.renewToken(writeCtx, ic, creds, cs)
	return cs, nil
}

// until is how long to wait before retrying, at most the probe interval and never past t.
func (r *Reconciler) until(t time.Time) time.Duration {
	d := time.Until(t)
	if d > r.Options.ProbeInterval {
		return r.Options.ProbeInterval
	}
	if d < 100*time.Millisecond {
		return 100 * time.Millisecond
	}
	return d
}
