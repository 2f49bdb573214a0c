package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/status"
)

// Reconciler reconciles ImportedClusters. Build it through SetupWithManager.
type Reconciler struct {
	Client client.Client
	// APIReader reads objects the manager does not cache (identity-claim Leases).
	APIReader client.Reader
	Recorder  record.EventRecorder
	Options   Options

	heartbeats heartbeats
}

// Reconcile probes one downstream and converges it and the record's status, or cleans up a
// deleted record.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var ic v1alpha1.ImportedCluster
	if err := r.Client.Get(ctx, req.NamespacedName, &ic); err != nil {
		if apierrors.IsNotFound(err) {
			r.heartbeats.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ic.Spec.AgentMode() {
		r.heartbeats.forget(ic.Name) // the hub keeps heartbeats of agent-mode clusters only
	}
	if !ic.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(&ic, v1alpha1.Finalizer) {
			return ctrl.Result{}, nil
		}
		return r.finalize(ctx, &ic)
	}
	if err := r.ensureMetadata(ctx, &ic); err != nil {
		return ctrl.Result{}, err
	}
	observed := ic.DeepCopy()
	ds, recheck, err := r.observe(ctx, observed)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.writeStatus(ctx, &ic, &observed.Status); err != nil {
		return ctrl.Result{}, err
	}
	// The marker shows `join`, which has no hub token left by then, how the hub sees the cluster.
	if ds != nil {
		clustersync.ShowPhase(ctx, *ds, &ic)
	}
	if err := r.settleJoin(ctx, &ic); err != nil {
		return ctrl.Result{}, err
	}
	if tok, ok := joinTokenOf(&ic); ok && !tok.expired() {
		return ctrl.Result{RequeueAfter: r.until(tok.expires)}, nil
	}
	if ic.Spec.AgentMode() && ic.Spec.ClusterID != "" {
		// A tunnel or a renewal wakes the reconciler; silence must too, when a grace ends.
		if recheck.IsZero() {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{RequeueAfter: max(time.Until(recheck), 0) + 500*time.Millisecond}, nil
	}
	return ctrl.Result{RequeueAfter: r.Options.ProbeInterval}, nil
}

// ensureMetadata adds the cleanup finalizer and makes the label kimport.dev/cluster-id mirror
// spec.clusterID (the webhook finds a clusterID's holders by it; records stored before it was
// required get it here), in one patch and only when something is missing.
func (r *Reconciler) ensureMetadata(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	label, has := ic.Labels[v1alpha1.ClusterIDLabel]
	labelled := label == ic.Spec.ClusterID && has == (ic.Spec.ClusterID != "")
	if controllerutil.ContainsFinalizer(ic, v1alpha1.Finalizer) && labelled {
		return nil
	}
	patch := client.MergeFromWithOptions(ic.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(ic, v1alpha1.Finalizer)
	if !labelled {
		if ic.Spec.ClusterID == "" {
			delete(ic.Labels, v1alpha1.ClusterIDLabel)
		} else {
			if ic.Labels == nil {
				ic.Labels = map[string]string{}
			}
			ic.Labels[v1alpha1.ClusterIDLabel] = ic.Spec.ClusterID
		}
	}
	if err := r.Client.Patch(ctx, ic, patch); err != nil {
		return fmt.Errorf("adding the finalizer and the %s label: %w", v1alpha1.ClusterIDLabel, err)
	}
	return nil
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

// downstream is the cluster's downstream as the reconciler reaches it in direct mode: a
// client acting as the import agent, each request bounded by ProbeTimeout and each answer by
// bodylimit.InCluster, the CA pinned by the credentials (dsclient.Reconciler).
func (r *Reconciler) downstream(creds hubcreds.Credentials) (clustersync.Downstream, error) {
	cfg := dsclient.FromCredentials(creds, dsclient.Reconciler(r.Options.ProbeTimeout))
	return clustersync.Connect(cfg, "at "+creds.Server, "as the import agent", r.Options.ProbeTimeout)
}

// observe brings the status up to date: in agent mode from the agent's tunnel and heartbeat
// (the agent reports the rest itself), returning when to judge it again (zero: on a change
// only); in direct mode by running the sync against the downstream. It returns the downstream
// when the reconciler reached it. Only hub errors are returned.
func (r *Reconciler) observe(ctx context.Context, ic *v1alpha1.ImportedCluster) (*clustersync.Downstream, time.Time, error) {
	if ic.Spec.ClusterID == "" {
		ic.Status.ObservedGeneration = ic.Generation
		return nil, time.Time{}, r.awaitJoin(ctx, ic)
	}
	if ic.Spec.AgentMode() {
		return r.observeAgent(ctx, ic)
	}
	ds, err := r.observeDirect(ctx, ic)
	return ds, time.Time{}, err
}

// observeAgent is observe in agent mode.
func (r *Reconciler) observeAgent(ctx context.Context, ic *v1alpha1.ImportedCluster) (*clustersync.Downstream, time.Time, error) {
	if lost, err := r.claimBeforeActing(ctx, ic); err != nil || lost {
		return nil, time.Time{}, err
	}
	wasAlive := alive(ic)
	r.publishCadence(ctx, ic)
	recheck := r.observeHeartbeat(ic)
	if !wasAlive && alive(ic) {
		// The agent has its own token by now: its bootstrap token ends with this Secret
		// (the agent deletes it itself; this covers an agent that could not).
		bootstrap := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.AgentBootstrapName(ic.Name)}}
		if err := r.remove(ctx, bootstrap, "agent bootstrap Secret"); err != nil {
			return nil, time.Time{}, err
		}
	}
	return nil, recheck, nil
}

// observeDirect is observe in direct mode.
func (r *Reconciler) observeDirect(ctx context.Context, ic *v1alpha1.ImportedCluster) (*clustersync.Downstream, error) {
	ic.Status.ObservedGeneration = ic.Generation
	creds, err := r.credentials(ctx, ic)
	var noCreds *errNoCredentials
	if errors.As(err, &noCreds) {
		if _, joining := joinTokenOf(ic); joining {
			return nil, r.awaitJoin(ctx, ic) // `join` set the spec but has not filled the Secret yet
		}
		status.NotConnected(ic, noCreds.reason, err.Error())
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if lost, err := r.claimBeforeActing(ctx, ic); err != nil || lost {
		return nil, err
	}
	ds, err := r.downstream(creds)
	if err != nil {
		status.NotConnected(ic, v1alpha1.ReasonCredentialsInvalid, err.Error())
		return nil, nil
	}
	if !clustersync.Sync(ctx, ds, ic, r.Recorder) {
		return nil, nil
	}
	writeCtx, cancel := context.WithTimeout(ctx, r.Options.ProbeTimeout)
	defer cancel()
	r.renewToken(writeCtx, ic, ds.Client)
	return &ds, nil
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
