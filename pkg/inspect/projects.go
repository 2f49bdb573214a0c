package inspect

import (
	"maps"
	"slices"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Project names, as Rancher names them; LabelValue gives the namespace label's value.
const (
	ProjectDefault = v1alpha1.ProjectDefault
	ProjectSystem  = v1alpha1.ProjectSystem
)

// LabelValue is the value of the v1alpha1.ProjectLabel label of a project's namespaces.
func LabelValue(project string) string { return v1alpha1.ProjectLabelValue(project) }

// Projects returns the Default and System projects with the namespaces present, always both
// (a project may be empty), in that order: the projects of a cluster that has no others.
func Projects(namespaces []string) []v1alpha1.Project {
	present := map[string]Namespace{}
	for _, ns := range namespaces {
		present[ns] = Namespace{}
	}
	return NewProjectIndex(nil).Assign(present, nil).Projects
}

// IsProjectNamespace says whether namespace always belongs to a project (Default or System),
// whatever the spec says.
func IsProjectNamespace(namespace string) bool {
	return v1alpha1.BuiltinProjectOf(namespace) != ""
}

// Namespace is what the sync reads of a downstream namespace: its project labels.
type Namespace struct {
	// Project is the value of v1alpha1.ProjectLabel, "" when absent.
	Project string
	// Assigned says the namespace carries v1alpha1.ProjectAssignedLabel: the sync put it in
	// its project.
	Assigned bool
}

// MaxProjectNamespaces bounds the namespaces one project holds (its spec allows as many):
// namespaces joined by their label alone beyond it are not covered.
const MaxProjectNamespaces = 512

// MaxReportedNamespaces bounds the namespaces status reports across all projects, so that
// status stays far below etcd's object limit whatever the spec lists; the others are covered
// all the same, and counted.
const MaxReportedNamespaces = 2000

// ProjectIndex is a cluster's projects (spec.projects with Default and System), indexed for
// the sync: which project each namespace belongs to.
type ProjectIndex struct {
	// specs are the projects, Default and System first, then the others in spec order;
	// Default and System hold their built-in namespaces before those of their spec entry.
	specs []v1alpha1.ProjectSpec
	// listed: namespace → index in specs of the project the spec (or the built-ins) put it in.
	listed map[string]int
	// byLabel: label value → index in specs.
	byLabel map[string]int
}

// NewProjectIndex indexes the projects of spec.projects: Default and System always, merged
// with their entries. A namespace listed twice (the webhook refuses it) counts for the first
// project listing it; the built-in namespaces stay with Default and System whatever the spec
// says.
func NewProjectIndex(specs []v1alpha1.ProjectSpec) *ProjectIndex {
	x := &ProjectIndex{listed: map[string]int{}, byLabel: map[string]int{}}
	add := func(p v1alpha1.ProjectSpec) int {
		if i, ok := x.byLabel[v1alpha1.ProjectLabelValue(p.Name)]; ok {
			x.specs[i].Members = append(x.specs[i].Members, p.Members...)
			x.specs[i].Namespaces = append(x.specs[i].Namespaces, p.Namespaces...)
			return i
		}
		x.specs = append(x.specs, *p.DeepCopy())
		x.byLabel[v1alpha1.ProjectLabelValue(p.Name)] = len(x.specs) - 1
		return len(x.specs) - 1
	}
	for _, b := range v1alpha1.BuiltinProjects {
		i := add(v1alpha1.ProjectSpec{Name: b.Name})
		for _, ns := range b.Namespaces {
			x.listed[ns] = i
		}
	}
	for _, p := range specs {
		if p.Name == "" {
			continue
		}
		i := add(p)
		for _, ns := range p.Namespaces {
			if _, dup := x.listed[string(ns)]; !dup {
				x.listed[string(ns)] = i
			}
		}
	}
	return x
}

// Keeps says whether the sync must keep a downstream namespace of that name and labels: one
// a project lists, one labelled for one of the projects (it joins it), or one the sync put
// in a project (it may have to take it out again). Every other namespace is none of the
// sync's business, however many there are.
func (x *ProjectIndex) Keeps(name string, ns Namespace) bool {
	if _, ok := x.listed[name]; ok {
		return true
	}
	if _, ok := x.byLabel[ns.Project]; ok && ns.Project != "" {
		return true
	}
	return ns.Assigned
}

// Assignment is where the namespaces of a downstream belong, and what the sync writes for it.
type Assignment struct {
	// Projects are the cluster's projects with the namespaces present in each, sorted: what
	// status reports. Default and System come first, always.
	Projects []v1alpha1.Project
	// Label: namespace → the project label value the sync sets on it (namespaces the spec or
	// the built-ins put in a project, present and not labelled so yet).
	Label map[string]string
	// Mark: the namespaces of Label that also get v1alpha1.ProjectAssignedLabel (all but the
	// built-in ones, which the sync recognises by name and labelled before the mark existed).
	Mark map[string]bool
	// Unlabel: namespaces the sync had put in a project that no project lists any more: their
	// project label and mark go.
	Unlabel []string
	// Bindings are the RoleBindings the project members get, at most
	// v1alpha1.MaxProjectBindings: first those of the namespaces projects list, then those of
	// namespaces that joined by their label.
	Bindings []ProjectBinding
	// Ignored counts what was not covered: namespaces beyond MaxProjectNamespaces of a project
	// and bindings beyond v1alpha1.MaxProjectBindings.
	IgnoredNamespaces, IgnoredBindings int
	// Unreported counts the covered namespaces Projects leaves out (MaxReportedNamespaces).
	Unreported int
}

// ProjectBinding is one RoleBinding: a project member's role in one namespace.
type ProjectBinding struct {
	Project   string
	Namespace string
	Member    v1alpha1.ProjectMember
}

// Assign places each present namespace (name → its labels, as Keeps kept them) in its
// project: a built-in one in Default or System, one a project lists in that project, one
// labelled for a project by whoever created it (not by the sync) in that project; one the
// sync had put in a project that no longer lists it leaves it. accept says which project
// members get bindings (the others, refused by the rules, get none); nil accepts all.
func (x *ProjectIndex) Assign(present map[string]Namespace, accept func(project v1alpha1.ProjectSpec, m v1alpha1.ProjectMember) bool) Assignment {
	a := Assignment{Label: map[string]string{}, Mark: map[string]bool{}}
	listedIn := make([][]string, len(x.specs))
	joinedIn := make([][]string, len(x.specs))
	for _, name := range slices.Sorted(maps.Keys(present)) {
		ns := present[name]
		if i, ok := x.listed[name]; ok {
			listedIn[i] = append(listedIn[i], name)
			value := v1alpha1.ProjectLabelValue(x.specs[i].Name)
			builtin := IsProjectNamespace(name)
			if ns.Project != value || (!builtin && !ns.Assigned) {
				a.Label[name] = value
				a.Mark[name] = !builtin
			}
			continue
		}
		if ns.Assigned {
			a.Unlabel = append(a.Unlabel, name)
			continue
		}
		if i, ok := x.byLabel[ns.Project]; ok && ns.Project != "" {
			joinedIn[i] = append(joinedIn[i], name)
		}
	}
	for i, p := range x.specs {
		if room := MaxProjectNamespaces - len(listedIn[i]); len(joinedIn[i]) > max(room, 0) {
			a.IgnoredNamespaces += len(joinedIn[i]) - max(room, 0)
			joinedIn[i] = joinedIn[i][:max(room, 0)]
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(listedIn[i]), joinedIn[i]...)))
		reported := 0
		for _, q := range a.Projects {
			reported += len(q.Namespaces)
		}
		if room := MaxReportedNamespaces - reported; len(all) > room {
			a.Unreported += len(all) - room
			all = all[:room]
		}
		a.Projects = append(a.Projects, v1alpha1.Project{Name: p.Name, Namespaces: all})
	}
	for _, namespaces := range [][][]string{listedIn, joinedIn} {
		for i, p := range x.specs {
			for _, ns := range namespaces[i] {
				for _, m := range p.Members {
					if accept != nil && !accept(p, m) {
						continue
					}
					if len(a.Bindings) == v1alpha1.MaxProjectBindings {
						a.IgnoredBindings++
						continue
					}
					a.Bindings = append(a.Bindings, ProjectBinding{Project: p.Name, Namespace: ns, Member: m})
				}
			}
		}
	}
	return a
}
