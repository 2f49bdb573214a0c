package validate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var projectsPath = field.NewPath("spec", "projects")

// Projects applies the projects rule: project names are Default, System or DNS labels other
// than default and system (the label values of those two); each namespace is a DNS label and
// belongs to one project at most, the built-in ones (default; cattle-system, ingress-nginx,
// kube-public, kube-system) to Default and System alone; each member passes ProjectMember and
// is listed once a project; and the projects ask for at most v1alpha1.MaxProjectBindings
// RoleBindings (one per member and namespace, the built-in namespaces counted whether
// present or not). oldObj is nil on CREATE. On UPDATE a problem the stored object already
// had is a warning, so that a record stored while the webhook was down can still be edited
// and deleted; a problem the update brings, even one made by another field (removing the
// cluster-owner a System project-member relies on), is refused.
func Projects(newObj, oldObj *v1alpha1.ImportedCluster) Result {
	return projectsRule(newObj, oldObj).by(RuleProjects)
}

func projectsRule(newObj, oldObj *v1alpha1.ImportedCluster) Result {
	problems := projectProblems(&newObj.Spec)
	// The stored object's problems matter only to demote the new object's: most updates have
	// none, and a large spec is then read once.
	stored := map[string]bool{}
	if oldObj != nil && len(problems) > 0 {
		for _, p := range projectProblems(&oldObj.Spec) {
			stored[p.key] = true
		}
	}
	var r Result
	for _, p := range problems {
		pr := Result{Errors: field.ErrorList{p.err}}
		if stored[p.key] {
			pr = demoted(pr)
		}
		r.merge(pr)
	}
	if n := ProjectBindings(&newObj.Spec); n > v1alpha1.MaxProjectBindings {
		pr := Result{Errors: field.ErrorList{field.Invalid(projectsPath, fmt.Sprintf("%d RoleBindings", n), fmt.Sprintf(
			"the projects ask for %d RoleBindings (one per member and namespace), more than the %d a cluster may have: each is an object the "+
				"downstream stores, rewrites on every sync and consults when it authorizes any request in that namespace, and their number grows as "+
				"members times namespaces; give the role to a Group once instead of to each person, or split the namespaces between projects",
			n, v1alpha1.MaxProjectBindings))}}
		if oldObj != nil && n <= ProjectBindings(&oldObj.Spec) {
			pr = demoted(pr)
		}
		r.merge(pr)
	}
	return r
}

// ProjectBindings is how many RoleBindings spec's projects ask for: for each project, its
// members times its namespaces (the built-in ones of Default and System included, whether
// present or not).
func ProjectBindings(spec *v1alpha1.ImportedClusterSpec) int {
	n := 0
	for _, p := range spec.Projects {
		namespaces := len(p.Namespaces) // a set (the CRD's listType); a repeat counts twice
		for _, b := range v1alpha1.BuiltinProjects {
			if b.Name != p.Name {
				continue
			}
			for _, ns := range b.Namespaces {
				if !slices.Contains(p.Namespaces, v1alpha1.NamespaceName(ns)) {
					namespaces++
				}
			}
		}
		n += namespaces * len(p.Members)
	}
	return n
}

// projectProblem is one refusal, with a key that names it independently of list positions,
// so that an update is refused only for problems the stored object did not have.
type projectProblem struct {
	key string
	err *field.Error
}

func projectProblems(spec *v1alpha1.ImportedClusterSpec) []projectProblem {
	var out []projectProblem
	add := func(key string, err *field.Error) { out = append(out, projectProblem{key, err}) }
	firstProject := map[string]int{}
	// owner: namespace → where it is listed first (paths are made only for a refusal).
	type place struct {
		project string
		i, k    int
	}
	nsPath := func(i, k int) *field.Path { return projectsPath.Index(i).Child("namespaces").Index(k) }
	listed := 0
	for _, p := range spec.Projects {
		listed += len(p.Namespaces)
	}
	owner := make(map[string]place, listed)
	for i, p := range spec.Projects {
		pp := projectsPath.Index(i)
		if why := projectNameProblem(p.Name); why != "" {
			add("name\x00"+p.Name, field.Invalid(pp.Child("name"), shown(p.Name), why))
		}
		if j, dup := firstProject[p.Name]; dup {
			add("dup\x00"+p.Name, &field.Error{Type: field.ErrorTypeDuplicate, Field: pp.Child("name").String(), BadValue: shown(p.Name),
				Detail: fmt.Sprintf("%s is project %s already: one entry a project; merge the two", projectsPath.Index(j), printable(shown(p.Name)))})
		} else {
			firstProject[p.Name] = i
		}
		for k, ns := range p.Namespaces {
			name := string(ns)
			if !dnsLabel(name) {
				why := "not a namespace name"
				if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
					why += ": " + errs[0]
				}
				add("ns\x00"+p.Name+"\x00"+name, field.Invalid(nsPath(i, k), shown(name), why))
				continue
			}
			if b := v1alpha1.BuiltinProjectOf(name); b != "" && b != p.Name {
				add("builtin\x00"+p.Name+"\x00"+name, field.Invalid(nsPath(i, k), name, fmt.Sprintf(
					"namespace %s always belongs to project %s (it holds %s); remove it from %s", name, b, builtinNamespaces(b), shown(p.Name))))
				continue
			}
			if prev, dup := owner[name]; dup {
				prevPath := nsPath(prev.i, prev.k)
				detail := fmt.Sprintf("namespace %s is in project %s already (%s): a namespace belongs to one project; remove it from one of them, "+
					"or move it with kubectl import projects CLUSTER remove-namespace %s %s first", name, printable(shown(prev.project)), prevPath, printable(shown(prev.project)), name)
				if prev.project == p.Name {
					detail = fmt.Sprintf("namespace %s is listed already (%s); remove one of the two entries", name, prevPath)
				}
				pair := []string{prev.project, p.Name}
				slices.Sort(pair) // the same problem whichever project comes first
				add("twice\x00"+name+"\x00"+strings.Join(pair, "\x00"), &field.Error{Type: field.ErrorTypeDuplicate, Field: nsPath(i, k).String(), BadValue: name, Detail: detail})
				continue
			}
			owner[name] = place{p.Name, i, k}
		}
		out = append(out, projectMemberProblems(spec, p, pp.Child("members"))...)
	}
	return out
}

// projectMemberProblems are the problems of the members of project p, at path.
func projectMemberProblems(spec *v1alpha1.ImportedClusterSpec, p v1alpha1.ProjectSpec, path *field.Path) []projectProblem {
	var out []projectProblem
	type subject struct {
		kind v1alpha1.MemberKind
		name string
	}
	first := map[subject]int{}
	for k, m := range p.Members {
		mp := path.Index(k)
		key := "member\x00" + p.Name + "\x00" + string(m.Kind) + "\x00" + m.Name + "\x00" + string(m.Role)
		if why := subjectProblemFor(m.Kind, m.Name, projectGrant(p.Name, m.Role)); why != "" {
			out = append(out, projectProblem{key, field.Invalid(mp.Child("name"), shown(m.Name), why)})
		} else if why := systemProblem(spec, p.Name, m); why != "" {
			out = append(out, projectProblem{"system" + key, field.Forbidden(mp.Child("role"), why)})
		}
		s := subject{m.Kind, m.Name}
		j, dup := first[s]
		if !dup {
			first[s] = k
			continue
		}
		prev := p.Members[j]
		detail := fmt.Sprintf("%s %s is %s already; remove one of the two entries", m.Kind, printable(shown(m.Name)), path.Index(j))
		if prev.Role != m.Role {
			detail = fmt.Sprintf("%s %s is %s already, with role %s: a subject has one role in a project; remove the entry you do not mean",
				m.Kind, printable(shown(m.Name)), path.Index(j), prev.Role)
		}
		out = append(out, projectProblem{"dup" + key + "\x00" + string(prev.Role),
			&field.Error{Type: field.ErrorTypeDuplicate, Field: mp.String(), BadValue: fmt.Sprintf("%s:%s=%s", m.Kind, shown(m.Name), m.Role), Detail: detail}})
	}
	return out
}

// dnsLabel says whether s is a DNS-1123 label, as validation.IsDNS1123Label does but without
// its regular expression: a project may list hundreds of namespaces, checked on every write.
func dnsLabel(s string) bool {
	if len(s) == 0 || len(s) > validation.DNS1123LabelMaxLength || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// projectNameProblem says why name cannot name a project, "" when it can.
func projectNameProblem(name string) string {
	if name == v1alpha1.ProjectDefault || name == v1alpha1.ProjectSystem {
		return ""
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return "a project name is Default, System or a DNS label (lowercase letters, digits and '-', at most 63): " + errs[0]
	}
	for _, b := range []string{v1alpha1.ProjectDefault, v1alpha1.ProjectSystem} {
		if name == v1alpha1.ProjectLabelValue(b) {
			return fmt.Sprintf("%s is how namespaces of project %s are labelled: write %s to give that project namespaces or members, or choose another name", name, b, b)
		}
	}
	return ""
}

// builtinNamespaces lists the namespaces project always holds.
func builtinNamespaces(project string) string {
	for _, b := range v1alpha1.BuiltinProjects {
		if b.Name == project {
			return strings.Join(b.Namespaces, ", ")
		}
	}
	return ""
}

// ProjectName says why name cannot name a project (nil when it can): Default, System, or a
// DNS label other than default and system.
func ProjectName(name string) error {
	if p := projectNameProblem(name); p != "" {
		return errors.New(p)
	}
	return nil
}
