package validate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var specPath = field.NewPath("spec")

// HubSpec applies the hub-spec rule: the hub component's own identities (writers, as for
// StatusWrite and HubMetadata) create no ImportedCluster and change no field of a spec but
// the namespaces and members of the projects it has. The reconciler writes metadata and
// status only; the gateway writes, for a project-owner, exactly that owner's change of its
// project (the gateway's projects subresource). Whoever could steer the hub component (a
// crafted request to the gateway, a bug) thus cannot use its rights on ImportedClusters to
// re-point a cluster, change its members or mode, or create, rename, reorder or delete
// projects; the other rules still judge the change itself (Projects). Everybody else is the
// other rules' business. oldObj is nil on CREATE.
func HubSpec(newObj, oldObj *v1alpha1.ImportedCluster, username string, writers []string) Result {
	return hubSpecRule(newObj, oldObj, username, writers).by(RuleHubSpec)
}

const hubSpecFix = "the hub component changes only the namespaces and members of a cluster's projects (for their project-owners, through the hub gateway); " +
	"make any other change as a hub user with update rights on importedclusters, e.g. with kubectl import"

func hubSpecRule(newObj, oldObj *v1alpha1.ImportedCluster, username string, writers []string) Result {
	var r Result
	if !slices.Contains(writers, username) {
		return r
	}
	if oldObj == nil {
		r.refuse(field.Forbidden(specPath, fmt.Sprintf("the hub component (%s) creates no ImportedCluster: %s", shown(username), hubSpecFix)))
		return r
	}
	if oldNames, newNames := projectNames(oldObj.Spec.Projects), projectNames(newObj.Spec.Projects); !slices.Equal(oldNames, newNames) {
		r.refuse(field.Forbidden(projectsPath, fmt.Sprintf("the hub component (%s) may not create, delete, rename or reorder projects ([%s] → [%s]): %s",
			shown(username), strings.Join(oldNames, ", "), strings.Join(newNames, ", "), hubSpecFix)))
	}
	newRest, oldRest := withoutProjects(newObj.Spec), withoutProjects(oldObj.Spec)
	if equality.Semantic.DeepEqual(newRest, oldRest) {
		return r
	}
	for _, f := range changedFields(newRest, oldRest) {
		path := specPath
		if f != "" {
			path = specPath.Child(f)
		}
		r.refuse(field.Forbidden(path, fmt.Sprintf("the hub component (%s) may not change it: %s", shown(username), hubSpecFix)))
	}
	return r
}

func projectNames(projects []v1alpha1.ProjectSpec) []string {
	out := make([]string, len(projects))
	for i, p := range projects {
		out[i] = p.Name
	}
	return out
}

// withoutProjects is spec without its projects, which HubSpec judges by their names.
func withoutProjects(spec v1alpha1.ImportedClusterSpec) v1alpha1.ImportedClusterSpec {
	spec.Projects = nil
	return spec
}

// changedFields are the JSON names of the fields of spec that differ between a and b, sorted;
// "" (the whole spec) when they differ in a way JSON does not show.
func changedFields(a, b v1alpha1.ImportedClusterSpec) []string {
	fa, fb := fieldsOf(a), fieldsOf(b)
	var out []string
	for k, va := range fa {
		if vb, ok := fb[k]; !ok || string(va) != string(vb) {
			out = append(out, k)
		}
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func fieldsOf(spec v1alpha1.ImportedClusterSpec) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if b, err := json.Marshal(spec); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}
