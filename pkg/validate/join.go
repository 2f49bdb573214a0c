package validate

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var (
	namePath       = field.NewPath("metadata", "name")
	modePath       = field.NewPath("spec", "mode")
	labelsPath     = field.NewPath("metadata", "labels")
	clusterIDLabel = labelsPath.Key(v1alpha1.ClusterIDLabel)
)

// joinParts are the fields a join token may not change, by which a refusal names the change.
// Labels and annotations are named key by key; anything else is named by its top-level field.
var joinParts = []struct {
	path *field.Path
	of   func(*v1alpha1.ImportedCluster) any
}{
	{field.NewPath("spec", "displayName"), func(c *v1alpha1.ImportedCluster) any { return c.Spec.DisplayName }},
	{field.NewPath("spec", "credentialsSecretRef"), func(c *v1alpha1.ImportedCluster) any { return c.Spec.CredentialsSecretRef }},
	{field.NewPath("spec", "members"), func(c *v1alpha1.ImportedCluster) any { return c.Spec.Members }},
	{field.NewPath("spec", "k3s"), func(c *v1alpha1.ImportedCluster) any { return c.Spec.K3s }},
	{field.NewPath("metadata", "finalizers"), func(c *v1alpha1.ImportedCluster) any { return c.Finalizers }},
	{field.NewPath("metadata", "ownerReferences"), func(c *v1alpha1.ImportedCluster) any { return c.OwnerReferences }},
	{field.NewPath("status"), func(c *v1alpha1.ImportedCluster) any { return c.Status }},
}

// Join applies the join-token scope rule. `kubectl import join` authenticates to the hub as
// the ServiceAccount v1alpha1.JoinName(NAME), which RBAC lets get and patch the one
// ImportedCluster NAME; this rule narrows the patch to what join does, once: while the
// registration waits for join (its stored spec.clusterID is empty), set spec.clusterID and
// spec.apiServer (each from empty, or unchanged) and the label kimport.dev/cluster-id, equal
// to the new clusterID. Re-running join with the same values is a no-op update and allowed;
// metadata the API server maintains (managedFields, resourceVersion, generation) is ignored.
//
// Everything else by a join identity is refused, each change naming its field: another
// change to its registration, any write to another ImportedCluster (RBAC forbids it
// already), creating one, deleting one. Requests by any other user are not this rule's
// business. oldObj is nil on CREATE, newObj is nil on DELETE; username is the requester's.
func Join(newObj, oldObj *v1alpha1.ImportedCluster, username string) Result {
	return joinRule(newObj, oldObj, username).by(RuleJoin)
}

func joinRule(newObj, oldObj *v1alpha1.ImportedCluster, username string) Result {
	var r Result
	cluster := v1alpha1.JoinCluster(username)
	if cluster == "" {
		return r
	}
	obj := newObj
	if obj == nil {
		obj = oldObj
	}
	token := fmt.Sprintf("the join token of %q", shown(cluster))
	switch {
	case obj.Name != cluster:
		r.refuse(field.Forbidden(namePath, fmt.Sprintf(
			"%s may only complete the registration %q, not %q; ask the hub admin for the join command of %q",
			token, shown(cluster), shown(obj.Name), shown(obj.Name))))
	case oldObj == nil:
		r.refuse(field.Forbidden(namePath, fmt.Sprintf(
			"%s may only complete its registration, not create one; ask the hub admin to run `kubectl import create %s`",
			token, shown(obj.Name))))
	case newObj == nil:
		r.refuse(field.Forbidden(namePath, fmt.Sprintf(
			"%s may not delete its registration; ask the hub admin to run `kubectl import delete %s`", token, shown(obj.Name))))
	default:
		joinUpdate(&r, token, newObj, oldObj)
	}
	return r
}

// joinUpdate refuses what an UPDATE by the registration's own join identity may not change.
func joinUpdate(r *Result, token string, newObj, oldObj *v1alpha1.ImportedCluster) {
	waiting := oldObj.Spec.ClusterID == ""
	once := func(p *field.Path, now, was string) {
		if now != was && (was != "" || !waiting) {
			r.refuse(field.Invalid(p, shown(now), fmt.Sprintf(
				"%s may set it only once, while the registration waits for join (it is %q); ask the hub admin to change %s",
				token, shown(was), p)))
		}
	}
	once(clusterIDPath, newObj.Spec.ClusterID, oldObj.Spec.ClusterID)
	once(apiServerPath, newObj.Spec.APIServer, oldObj.Spec.APIServer)
	// join chooses the connection mode (`join --mode`), once, like the identity.
	once(modePath, string(newObj.Spec.Mode), string(oldObj.Spec.Mode))

	label, hasLabel := newObj.Labels[v1alpha1.ClusterIDLabel]
	was, had := oldObj.Labels[v1alpha1.ClusterIDLabel]
	if (label != was || hasLabel != had) && (!waiting || !hasLabel || label != newObj.Spec.ClusterID || label == "") {
		r.refuse(field.Invalid(clusterIDLabel, shown(label), fmt.Sprintf(
			"%s may only add it, equal to the spec.clusterID it sets (%q), while the registration waits for join; ask the hub admin to change %s",
			token, shown(newObj.Spec.ClusterID), clusterIDLabel)))
	}

	for _, p := range otherChanges(newObj, oldObj) {
		r.refuse(field.Forbidden(p, fmt.Sprintf(
			"%s may only set spec.clusterID, spec.apiServer and spec.mode; ask the hub admin to change %s", token, p)))
	}
}

// otherChanges names the changes from oldObj to newObj besides spec.clusterID,
// spec.apiServer, the kimport.dev/cluster-id label and what the API server maintains.
func otherChanges(newObj, oldObj *v1alpha1.ImportedCluster) []*field.Path {
	n, o := joinView(newObj), joinView(oldObj)
	if equality.Semantic.DeepEqual(n, o) {
		return nil
	}
	changed := append(mapChanges(labelsPath, n.Labels, o.Labels),
		mapChanges(field.NewPath("metadata", "annotations"), n.Annotations, o.Annotations)...)
	for _, part := range joinParts {
		if !equality.Semantic.DeepEqual(part.of(n), part.of(o)) {
			changed = append(changed, part.path)
		}
	}
	if len(changed) > 0 {
		return changed
	}
	// A field no part names (one added to the API later): name its top-level field.
	if !equality.Semantic.DeepEqual(n.Spec, o.Spec) {
		return []*field.Path{field.NewPath("spec")}
	}
	return []*field.Path{field.NewPath("metadata")}
}

// joinView is c without what join may set and what the API server maintains.
func joinView(c *v1alpha1.ImportedCluster) *v1alpha1.ImportedCluster {
	v := c.DeepCopy()
	v.TypeMeta = metav1.TypeMeta{}
	v.ManagedFields, v.ResourceVersion, v.Generation = nil, "", 0
	v.Spec.ClusterID, v.Spec.APIServer, v.Spec.Mode = "", "", ""
	delete(v.Labels, v1alpha1.ClusterIDLabel)
	return v
}

// mapChanges names the keys whose presence or value differs, sorted.
func mapChanges(p *field.Path, now, was map[string]string) []*field.Path {
	var keys []string
	for k, v := range now {
		if w, ok := was[k]; !ok || w != v {
			keys = append(keys, k)
		}
	}
	for k := range was {
		if _, ok := now[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	paths := make([]*field.Path, len(keys))
	for i, k := range keys {
		paths[i] = p.Key(shown(k))
	}
	return paths
}
