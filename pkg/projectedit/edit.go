// Package projectedit holds the changes of a cluster's projects as pure functions of the
// record: the plugin's projects verbs apply them to the ImportedCluster they read, and the
// hub gateway applies a project-owner's ProjectChange (Apply) with the same code, so the two
// paths cannot drift. Each edit changes the record in place, or returns an error naming what
// is wrong and what to do and changes nothing; the hub's webhook judges the result.
package projectedit

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Edit changes the projects of ic's spec in place and says whether anything changed; an
// error names what is wrong and what to do, and then nothing is changed.
type Edit func(ic *v1alpha1.ImportedCluster) (changed bool, err error)

// Builtin says whether project is Default or System, which every cluster has.
func Builtin(project string) bool {
	return project == v1alpha1.ProjectDefault || project == v1alpha1.ProjectSystem
}

// Find is the index of project in ic's spec, or -1.
func Find(ic *v1alpha1.ImportedCluster, project string) int {
	return slices.IndexFunc(ic.Spec.Projects, func(p v1alpha1.ProjectSpec) bool { return p.Name == project })
}

// entry is the index of project's spec entry, made for Default and System when missing;
// another project must exist.
func entry(ic *v1alpha1.ImportedCluster, project string) (int, error) {
	if i := Find(ic, project); i >= 0 {
		return i, nil
	}
	if !Builtin(project) {
		return -1, NotFound(ic, project)
	}
	ic.Spec.Projects = append(ic.Spec.Projects, v1alpha1.ProjectSpec{Name: project})
	return len(ic.Spec.Projects) - 1, nil
}

// NotFound says that ic has no project of that name, naming those it has.
func NotFound(ic *v1alpha1.ImportedCluster, project string) error {
	return fmt.Errorf("project %q not found in importedcluster %q (projects: %s); create it with 'kubectl import projects %s create %s'",
		project, ic.Name, strings.Join(names(ic), ", "), ic.Name, project)
}

// names are the cluster's projects: Default, System, then those of the spec.
func names(ic *v1alpha1.ImportedCluster) []string {
	out := []string{v1alpha1.ProjectDefault, v1alpha1.ProjectSystem}
	for _, p := range ic.Spec.Projects {
		if !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// Create adds project with namespaces and members. Creating it again as it is changes
// nothing, so a re-run converges; a project of that name with other namespaces or members
// is refused (add-namespace and members change it).
func Create(project string, namespaces []v1alpha1.NamespaceName, members []v1alpha1.ProjectMember) Edit {
	return func(ic *v1alpha1.ImportedCluster) (bool, error) {
		if Builtin(project) {
			return false, fmt.Errorf("project %s always exists: give it namespaces with 'kubectl import projects %s add-namespace %s NAMESPACE' "+
				"and members with 'kubectl import projects %s members %s --add KIND:NAME=ROLE'", project, ic.Name, project, ic.Name, project)
		}
		if i := Find(ic, project); i >= 0 {
			p := ic.Spec.Projects[i]
			if containsAll(p.Namespaces, namespaces) && containsAll(p.Members, members) {
				return false, nil
			}
			return false, fmt.Errorf("project %q exists already in importedcluster %q, with namespaces %s and members %s: "+
				"change it with 'kubectl import projects %s add-namespace %s NAMESPACE' or 'kubectl import projects %s members %s --add KIND:NAME=ROLE'",
				project, ic.Name, namespaceList(p.Namespaces), memberList(p.Members), ic.Name, project, ic.Name, project)
		}
		ic.Spec.Projects = append(ic.Spec.Projects, v1alpha1.ProjectSpec{Name: project, Namespaces: namespaces, Members: members})
		return true, nil
	}
}

// AddNamespaces puts namespaces in project (Default and System included); those it lists
// already are left as they are.
func AddNamespaces(project string, namespaces []v1alpha1.NamespaceName) Edit {
	return func(ic *v1alpha1.ImportedCluster) (bool, error) {
		i, err := entry(ic, project)
		if err != nil {
			return false, err
		}
		p := &ic.Spec.Projects[i]
		changed := false
		for _, ns := range namespaces {
			if !slices.Contains(p.Namespaces, ns) {
				p.Namespaces = append(p.Namespaces, ns)
				changed = true
			}
		}
		return changed, nil
	}
}

// RemoveNamespaces takes namespaces out of project: its members lose their role there at
// the next sync. A namespace project does not list is an error naming what it lists.
func RemoveNamespaces(project string, namespaces []v1alpha1.NamespaceName) Edit {
	return func(ic *v1alpha1.ImportedCluster) (bool, error) {
		i := Find(ic, project)
		if i < 0 && !Builtin(project) {
			return false, NotFound(ic, project)
		}
		var listed []v1alpha1.NamespaceName
		if i >= 0 {
			listed = ic.Spec.Projects[i].Namespaces
		}
		for _, ns := range namespaces {
			if b := v1alpha1.BuiltinProjectOf(string(ns)); b != "" {
				return false, fmt.Errorf("namespace %s always belongs to project %s: it cannot leave it", ns, b)
			}
			if !slices.Contains(listed, ns) {
				return false, fmt.Errorf("namespace %s is not listed in project %s (it lists %s); a namespace that joined by its label %s=%s "+
					"leaves when that label is removed in the cluster", ns, project, namespaceList(listed), v1alpha1.ProjectLabel, v1alpha1.ProjectLabelValue(project))
			}
		}
		p := &ic.Spec.Projects[i]
		p.Namespaces = slices.DeleteFunc(slices.Clone(p.Namespaces), func(ns v1alpha1.NamespaceName) bool { return slices.Contains(namespaces, ns) })
		return true, nil
	}
}

// Members gives add their role in project (replacing the role of a subject already a
// member) and removes remove (matched by kind and name). Removing a subject that is not a
// member is an error naming the members.
func Members(project string, add, remove []v1alpha1.ProjectMember) Edit {
	return func(ic *v1alpha1.ImportedCluster) (bool, error) {
		i, err := entry(ic, project)
		if err != nil {
			return false, err
		}
		p := &ic.Spec.Projects[i]
		before := slices.Clone(p.Members)
		same := func(a, b v1alpha1.ProjectMember) bool { return a.Kind == b.Kind && a.Name == b.Name }
		for _, r := range remove {
			if !slices.ContainsFunc(p.Members, func(m v1alpha1.ProjectMember) bool { return same(m, r) }) {
				return false, fmt.Errorf("--remove %s:%s: not a member of project %s (members: %s)", r.Kind, r.Name, project, memberList(before))
			}
		}
		members := slices.DeleteFunc(slices.Clone(p.Members), func(m v1alpha1.ProjectMember) bool {
			return slices.ContainsFunc(remove, func(r v1alpha1.ProjectMember) bool { return same(m, r) })
		})
	add:
		for _, a := range add {
			for k := range members {
				if same(members[k], a) {
					members[k].Role = a.Role
					continue add
				}
			}
			members = append(members, a)
		}
		p.Members = members
		return !slices.Equal(before, members), nil
	}
}

// Delete removes project: its namespaces leave it, and its members lose their roles. Default
// and System always exist.
func Delete(project string) Edit {
	return func(ic *v1alpha1.ImportedCluster) (bool, error) {
		if Builtin(project) {
			return false, fmt.Errorf("project %s always exists: remove its members with 'kubectl import projects %s members %s --remove KIND:NAME' "+
				"and its namespaces with 'kubectl import projects %s remove-namespace %s NAMESPACE'", project, ic.Name, project, ic.Name, project)
		}
		i := Find(ic, project)
		if i < 0 {
			return false, NotFound(ic, project)
		}
		ic.Spec.Projects = slices.Delete(slices.Clone(ic.Spec.Projects), i, i+1)
		return true, nil
	}
}

func containsAll[T comparable](have, want []T) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func namespaceList(namespaces []v1alpha1.NamespaceName) string {
	if len(namespaces) == 0 {
		return "none"
	}
	s := make([]string, len(namespaces))
	for i, ns := range namespaces {
		s[i] = string(ns)
	}
	return strings.Join(s, ", ")
}

func memberList(members []v1alpha1.ProjectMember) string {
	if len(members) == 0 {
		return "none"
	}
	s := make([]string, len(members))
	for i, m := range members {
		s[i] = FormatMember(m)
	}
	return strings.Join(s, ", ")
}

// FormatMember is m as the plugin writes it: KIND:NAME=ROLE.
func FormatMember(m v1alpha1.ProjectMember) string {
	return fmt.Sprintf("%s:%s=%s", m.Kind, m.Name, m.Role)
}

// Apply is the edit of a ProjectChange to project: its namespaces removed, then added, then
// its members changed (Members). A namespace or member both added and removed, or a change
// that changes nothing, is refused; on any error nothing is changed.
func Apply(project string, c gatewayapi.ProjectChange) Edit {
	return func(ic *v1alpha1.ImportedCluster) (bool, error) {
		if c.Empty() {
			return false, errors.New("the change names no namespace or member to add or remove")
		}
		for _, ns := range c.AddNamespaces {
			if slices.Contains(c.RemoveNamespaces, ns) {
				return false, fmt.Errorf("namespace %s is both added and removed: give each namespace one change", ns)
			}
		}
		remove := make([]v1alpha1.ProjectMember, len(c.RemoveMembers))
		for i, r := range c.RemoveMembers {
			remove[i] = v1alpha1.ProjectMember{Kind: r.Kind, Name: r.Name}
			if slices.ContainsFunc(c.AddMembers, func(a v1alpha1.ProjectMember) bool { return a.Kind == r.Kind && a.Name == r.Name }) {
				return false, fmt.Errorf("member %s:%s is both added and removed: give each member one change", r.Kind, r.Name)
			}
		}
		edits := []Edit{AddNamespaces(project, c.AddNamespaces), Members(project, c.AddMembers, remove)}
		if len(c.RemoveNamespaces) > 0 {
			edits = append([]Edit{RemoveNamespaces(project, c.RemoveNamespaces)}, edits...)
		}
		work := ic.DeepCopy()
		changed := false
		for _, e := range edits {
			ch, err := e(work)
			if err != nil {
				return false, err
			}
			changed = changed || ch
		}
		if changed {
			ic.Spec.Projects = work.Spec.Projects
		}
		return changed, nil
	}
}
