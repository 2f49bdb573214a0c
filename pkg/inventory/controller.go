package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Name is the controller's name.
const Name = "kimport-inventory"

// Options of the inventory controller.
type Options struct {
	// Namespace holds the ClusterProfiles; v1alpha1.ClusterProfileNamespace when empty.
	Namespace string
	// Hub is where consumers reach the hub, which every access provider publishes (Lookup);
	// nil: as the manager's own configuration reaches it (in a pod, the kubernetes Service's
	// address and the ServiceAccount's CA, which every pod of the hub shares).
	Hub *Hub
}

// Reconciler keeps one ClusterProfile per ImportedCluster. ClusterProfiles are read and
// written uncached (unstructured): nothing is watched that may not exist. Build it through
// SetupWithManager.
type Reconciler struct {
	Client    client.Client
	Namespace string
	// Hub is where consumers reach the hub (Options.Hub).
	Hub Hub
	// Recorder reports, on the ImportedCluster, a profile of its name that is not ours.
	Recorder record.EventRecorder
	// absent is set once the hub was found without the ClusterProfile CRD (logged once).
	absent atomic.Bool
}

// SetupWithManager registers the controller. It wakes on every change of an ImportedCluster,
// status included: the profile mirrors it.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	//lint:ignore SA1019 core/v1 Events, as the reconciler records them (the events.k8s.io recorder is a follow-up)
	r := &Reconciler{Client: mgr.GetClient(), Namespace: opts.Namespace, Recorder: mgr.GetEventRecorderFor(Name)}
	if r.Namespace == "" {
		r.Namespace = v1alpha1.ClusterProfileNamespace
	}
	if opts.Hub != nil {
		r.Hub = *opts.Hub
	} else {
		hub, err := HubFromConfig(mgr.GetConfig())
		if err != nil {
			return fmt.Errorf("the hub that ClusterProfiles' access providers name: %w", err)
		}
		r.Hub = hub
	}
	return ctrl.NewControllerManagedBy(mgr).Named(Name).For(&v1alpha1.ImportedCluster{}).Complete(r)
}

// NewProfile is an empty ClusterProfile to read into.
func NewProfile() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1alpha1.ClusterProfileGVK)
	return u
}

// Reconcile converges the profile of one ImportedCluster, or deletes it once the cluster is
// being deleted or gone, touching only a profile that is ours (NotOurs): one of the same name
// by another manager is reported and left alone. Without the ClusterProfile CRD in the hub it
// does nothing.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := client.ObjectKey{Namespace: r.Namespace, Name: req.Name}
	var ic v1alpha1.ImportedCluster
	err := r.Client.Get(ctx, req.NamespacedName, &ic)
	if apierrors.IsNotFound(err) {
		return ctrl.Result{}, r.delete(ctx, key, "")
	} else if err == nil && !ic.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.delete(ctx, key, ic.UID)
	} else if err != nil {
		return ctrl.Result{}, err
	}
	profile := NewProfile()
	err = r.Client.Get(ctx, key, profile)
	if r.noCRD(ctx, err) {
		return ctrl.Result{}, nil
	}
	switch {
	case apierrors.IsNotFound(err):
		if profile, err = r.create(ctx, &ic, key); err != nil {
			return ctrl.Result{}, err
		}
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("reading clusterprofile %s: %w", key, err)
	default:
		if why := NotOurs(profile, ic.Name, ic.UID); why != "" {
			r.Recorder.Eventf(&ic, corev1.EventTypeWarning, "ClusterProfileNotOwned",
				"clusterprofile %s is not this hub's (%s): it is left alone, and %s is not published until it is removed or renamed", key, why, ic.Name)
			return ctrl.Result{}, nil
		}
		if err := r.updateMeta(ctx, &ic, profile); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, r.updateStatus(ctx, &ic, profile)
}

// noCRD says whether err means the hub has no ClusterProfile CRD, logging it the first time.
func (r *Reconciler) noCRD(ctx context.Context, err error) bool {
	if err == nil || !meta.IsNoMatchError(err) {
		if err == nil {
			r.absent.Store(false)
		}
		return false
	}
	if !r.absent.Swap(true) {
		log.FromContext(ctx).Info("the hub has no ClusterProfile CRD (" + v1alpha1.ClusterProfileResource + "): imported clusters are not published to the inventory API; " +
			"install it (kubectl import init --install-inventory-crds, or the cluster-inventory-api release) to publish them")
	}
	return true
}

// delete removes the profile of the ImportedCluster key.Name (uid, "" once the record is
// gone), and only if it is ours; the delete is conditional on the UID read, so a profile
// swapped in meanwhile survives.
func (r *Reconciler) delete(ctx context.Context, key client.ObjectKey, uid types.UID) error {
	profile := NewProfile()
	err := r.Client.Get(ctx, key, profile)
	if apierrors.IsNotFound(err) || r.noCRD(ctx, err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading clusterprofile %s: %w", key, err)
	}
	if why := NotOurs(profile, key.Name, uid); why != "" {
		log.FromContext(ctx).Info("leaving clusterprofile "+key.String()+" alone: it is not this hub's", "why", why)
		return nil
	}
	pre := profile.GetUID()
	err = r.Client.Delete(ctx, profile, client.Preconditions{UID: &pre})
	if err == nil || apierrors.IsNotFound(err) {
		return nil
	}
	return fmt.Errorf("deleting clusterprofile %s: %w", key, err)
}

// create makes the profile, owned by the ImportedCluster so that the garbage collector
// removes it should the controller miss the deletion.
func (r *Reconciler) create(ctx context.Context, ic *v1alpha1.ImportedCluster, key client.ObjectKey) (*unstructured.Unstructured, error) {
	profile := NewProfile()
	profile.SetNamespace(key.Namespace)
	profile.SetName(key.Name)
	profile.SetLabels(Labels(ic))
	profile.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ImportedCluster", Name: ic.Name, UID: ic.UID}})
	desired := DesiredSpec(ic)
	spec, err := toMap(&desired)
	if err != nil {
		return nil, err
	}
	profile.Object["spec"] = spec
	if err := r.Client.Create(ctx, profile); err != nil {
		return nil, fmt.Errorf("creating clusterprofile %s: %w", key, err)
	}
	return profile, nil
}

// updateMeta restores the labels and spec.displayName when they drifted (the cluster manager
// is immutable).
func (r *Reconciler) updateMeta(ctx context.Context, ic *v1alpha1.ImportedCluster, profile *unstructured.Unstructured) error {
	labels := profile.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	want := Labels(ic)
	changed := false
	for k, v := range want {
		if labels[k] != v {
			labels[k], changed = v, true
		}
	}
	display, _, _ := unstructured.NestedString(profile.Object, "spec", "displayName")
	if d := DesiredSpec(ic).DisplayName; display != d {
		if err := unstructured.SetNestedField(profile.Object, d, "spec", "displayName"); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	profile.SetLabels(maps.Clone(labels))
	if err := r.Client.Update(ctx, profile); err != nil {
		return fmt.Errorf("updating clusterprofile %s/%s: %w", profile.GetNamespace(), profile.GetName(), err)
	}
	return nil
}

// updateStatus writes the desired status when it differs from the stored one.
func (r *Reconciler) updateStatus(ctx context.Context, ic *v1alpha1.ImportedCluster, profile *unstructured.Unstructured) error {
	st := DesiredStatus(ic, Lookup(r.Hub, ic.Name))
	desired, err := toMap(&st)
	if err != nil {
		return err
	}
	stored, _, _ := unstructured.NestedMap(profile.Object, "status")
	if same, err := sameJSON(stored, desired); err != nil || same {
		return err
	}
	profile.Object["status"] = desired
	if err := r.Client.Status().Update(ctx, profile); err != nil {
		return fmt.Errorf("updating the status of clusterprofile %s/%s: %w", profile.GetNamespace(), profile.GetName(), err)
	}
	return nil
}

// toMap turns v, a pointer to a ClusterProfile spec or status, into an unstructured field.
func toMap(v any) (map[string]any, error) {
	return runtime.DefaultUnstructuredConverter.ToUnstructured(v)
}

// sameJSON compares two JSON objects by their canonical encoding (encoding/json sorts keys),
// whatever number types they hold.
func sameJSON(a, b map[string]any) (bool, error) {
	ja, err := json.Marshal(nilToEmpty(a))
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(nilToEmpty(b))
	if err != nil {
		return false, err
	}
	return string(ja) == string(jb), nil
}

func nilToEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
