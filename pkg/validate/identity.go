package validate

import (
	"fmt"
	"regexp"
	"sort"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	clusterIDPath   = field.NewPath("spec", "clusterID")
	apiServerPath   = field.NewPath("spec", "apiServer")
	credentialsPath = field.NewPath("spec", "credentialsSecretRef", "name")
	// uuidName is a clusterID's form (the UID of a kube-system namespace), 8-4-4-4-12 hex.
	uuidName = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// clusterIDForm is the one form of a clusterID: a UID as the API server makes it, lowercase
	// (also the CRD's pattern). One spelling per cluster keeps the duplicate check and the
	// identity-claim Lease (whose name must be lowercase) exact.
	clusterIDForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// Identity applies the identity rule. oldObj is nil on CREATE. others are the existing
// ImportedClusters with newObj's spec.clusterID (from a cache index); entries with another
// clusterID or newObj's own name are ignored, so the caller need not filter.
//
// A clusterID set by the request (see ChecksDuplicates) must be a lowercase UUID, the form of
// a namespace UID. Duplicates are refused, naming the ImportedCluster that holds the
// clusterID and saying how to proceed. One being deleted still counts: until its finalizer
// has cleaned the downstream it owns the objects a new import would create there, and its
// cleanup would remove them. An empty clusterID (a registration made by `kubectl import
// create`, waiting for `join`) is no identity yet and conflicts with nothing.
//
// CREATE: a name that is a UUID is refused: it would share its Lease name with the identity
// claim of the cluster whose ID it is (see the message). Stored ones stay editable.
//
// The label kimport.dev/cluster-id mirrors spec.clusterID: the webhook finds the other
// holders of a clusterID by it (its cache holds metadata only). A create that sets a
// clusterID must carry it, equal; on update it may change only to equal spec.clusterID (the
// hub backfills it on records stored before it was required); without a clusterID there is
// none. A label that lied could hide a registration from the duplicate check or block
// another cluster's import.
//
// UPDATE: a clusterID, once set, never changes; while the cluster is Active or Upgrading
// (reachable and in use), spec.apiServer and spec.credentialsSecretRef cannot be re-pointed.
// Pending and Unavailable clusters may be re-pointed: that is how an import is repaired, e.g.
// after the downstream's endpoint moved.
func Identity(newObj, oldObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster) Result {
	return identityRule(newObj, oldObj, others).by(RuleIdentity)
}

func identityRule(newObj, oldObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster) Result {
	var r Result
	identityLabel(&r, newObj, oldObj)
	if ChecksDuplicates(newObj, oldObj) {
		if id := newObj.Spec.ClusterID; !clusterIDForm.MatchString(id) {
			r.refuse(field.Invalid(clusterIDPath, shown(id), fmt.Sprintf(
				"must be the UID of the downstream's kube-system namespace, a lowercase UUID such as %q: `kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'` against the downstream prints it, and `kubectl import cluster` or `join` sets it for you",
				"0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d")))
		}
		for _, holder := range holders(newObj, others) {
			r.refuse(field.Invalid(clusterIDPath, shown(newObj.Spec.ClusterID), alreadyImported(holder, newObj, oldObj != nil)))
		}
	}
	if oldObj == nil {
		if uuidName.MatchString(newObj.Name) {
			r.refuse(field.Invalid(namePath, newObj.Name, fmt.Sprintf(
				"an ImportedCluster may not be named like a cluster ID (a UUID): the hub keeps the heartbeat Lease of a cluster as %s and the identity claim of a cluster ID as %s, side by side, so this name would be another cluster's claim; choose another name, e.g. %q",
				v1alpha1.HeartbeatName("<name>"), v1alpha1.IdentityClaimName("<clusterID>"), "cluster-"+newObj.Name[:8])))
		}
		return r
	}
	if oldObj.Spec.ClusterID != "" && newObj.Spec.ClusterID != oldObj.Spec.ClusterID {
		r.refuse(field.Invalid(clusterIDPath, shown(newObj.Spec.ClusterID), fmt.Sprintf(
			"is immutable (it is %q): it names the downstream cluster; to import another cluster, create another ImportedCluster",
			shown(oldObj.Spec.ClusterID))))
	}
	if phase := oldObj.Status.Phase; phase == v1alpha1.PhaseActive || phase == v1alpha1.PhaseUpgrading {
		repoint := func(p *field.Path, now, was string) {
			if now != was {
				r.refuse(field.Invalid(p, shown(now), fmt.Sprintf(
					"re-pointing an %s cluster is refused (it is %q); to move it, `kubectl import delete %s` and import it again",
					phase, shown(was), oldObj.Name)))
			}
		}
		repoint(apiServerPath, newObj.Spec.APIServer, oldObj.Spec.APIServer)
		// Moving to the one name the Credentials rule accepts is a repair, not a re-pointing.
		if ref := newObj.Spec.CredentialsSecretRef.Name; ref != v1alpha1.CredentialsSecretName(newObj.Name) {
			repoint(credentialsPath, ref, oldObj.Spec.CredentialsSecretRef.Name)
		}
	}
	return r
}

// identityLabel refuses a kimport.dev/cluster-id label that does not mirror spec.clusterID,
// judged on create and whenever the label or the clusterID changes: a record stored without
// it (before it was required) stays editable. A change of a set clusterID is refused as
// immutable instead.
func identityLabel(r *Result, newObj, oldObj *v1alpha1.ImportedCluster) {
	label, has := newObj.Labels[v1alpha1.ClusterIDLabel]
	if oldObj != nil {
		was, had := oldObj.Labels[v1alpha1.ClusterIDLabel]
		if label == was && has == had && newObj.Spec.ClusterID == oldObj.Spec.ClusterID ||
			oldObj.Spec.ClusterID != "" && newObj.Spec.ClusterID != oldObj.Spec.ClusterID {
			return
		}
	}
	id := newObj.Spec.ClusterID
	switch {
	case id == "" && has:
		r.refuse(field.Invalid(clusterIDLabel, shown(label),
			"names a cluster identity this registration does not hold (spec.clusterID is empty): remove the label; `kubectl import join` sets both together"))
	case id != "" && !has:
		r.refuse(field.Required(clusterIDLabel, fmt.Sprintf(
			"must equal spec.clusterID (%q): the hub finds the other registrations of a cluster by this label; add the label %s: %q (`kubectl import` sets it for you)",
			shown(id), v1alpha1.ClusterIDLabel, shown(id))))
	case id != "" && label != id:
		r.refuse(field.Invalid(clusterIDLabel, shown(label), fmt.Sprintf(
			"must equal spec.clusterID (%q): the hub finds the other registrations of a cluster by this label; set it to %q (`kubectl import` sets it for you)",
			shown(id), shown(id))))
	}
}

// ChecksDuplicates reports whether Identity looks for other holders of newObj's clusterID,
// that is whether the caller must pass them: when the request gives the object a clusterID,
// on CREATE or on the UPDATE that sets it for the first time (`kubectl import join`). Other
// updates are not checked, so that records created while the webhook was down can still be
// edited and deleted.
func ChecksDuplicates(newObj, oldObj *v1alpha1.ImportedCluster) bool {
	return newObj.Spec.ClusterID != "" && (oldObj == nil || oldObj.Spec.ClusterID == "")
}

// holders are the other ImportedClusters holding newObj's clusterID, sorted by name.
func holders(newObj *v1alpha1.ImportedCluster, others []v1alpha1.ImportedCluster) []*v1alpha1.ImportedCluster {
	var out []*v1alpha1.ImportedCluster
	for i := range others {
		o := &others[i]
		if o.Spec.ClusterID == newObj.Spec.ClusterID && o.Name != newObj.Name {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// alreadyImported says which ImportedCluster holds the identity and how to proceed. joining
// is the UPDATE that completes newObj's registration: it may also be dropped instead.
func alreadyImported(holder, newObj *v1alpha1.ImportedCluster, joining bool) string {
	name := shown(holder.Name)
	var msg string
	switch phase := holder.Status.Phase; {
	case holder.DeletionTimestamp != nil:
		msg = fmt.Sprintf("this cluster is being disconnected as %q; wait until `kubectl import delete %s` has finished, then import it again", name, name)
	case phase == v1alpha1.PhaseActive:
		msg = fmt.Sprintf("this cluster is already imported as %q (Active); to import it under another name, run `kubectl import delete %s` first", name, name)
	default:
		if phase == "" {
			phase = v1alpha1.PhasePending
		}
		msg = fmt.Sprintf("this cluster is already imported as %q (%s); re-run `kubectl import cluster %s` to repair it, or `kubectl import delete %s` first",
			name, phase, name, name)
	}
	if joining {
		msg += fmt.Sprintf("; or drop this registration with `kubectl import delete %s`", shown(newObj.Name))
	}
	return msg
}
