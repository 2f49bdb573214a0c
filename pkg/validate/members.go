package validate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

var membersPath = field.NewPath("spec", "members")

// Reserved name prefixes: the ServiceAccount ones are what the API server names them by.
const (
	serviceAccountUser   = "system:serviceaccount:"  // one ServiceAccount: a User
	serviceAccountsGroup = "system:serviceaccounts:" // every ServiceAccount of a namespace
	systemPrefix         = "system:"
)

// Remedies, by what the refused subject stood for.
const (
	nameOthers = "name the users or groups that need access"
	namePerson = "name a person, or one ServiceAccount as User " + serviceAccountUser + "NAMESPACE:NAME"
)

// reach says whom a refused subject stands for, and so whom a role given to it reaches.
type reach struct {
	is, who, remedy string
}

// reservedGroups are the groups Kubernetes fills itself; system:serviceaccounts:NS and
// system:bootstrappers* are matched by prefix in reservedGroup.
var reservedGroups = map[string]reach{
	"system:authenticated":   {"stands for every authenticated identity of the downstream", "everyone", nameOthers},
	"system:unauthenticated": {"stands for every request to the downstream without credentials", "anyone, even without credentials,", nameOthers},
	"system:serviceaccounts": {"stands for every ServiceAccount of the downstream", "every workload", "name the ServiceAccount that needs access as User " + serviceAccountUser + "NAMESPACE:NAME"},
	"system:nodes":           {"stands for every node (kubelet) of the downstream", "every node, and whoever compromises one,", nameOthers},
	"system:monitoring":      {"stands for the identities allowed to scrape the downstream's metrics", "every one of them", nameOthers},
}

// Subject checks the subject of one member (the role only words the message): nil when a
// ClusterRoleBinding for it grants access to the identities its name says, else why not and
// what to name instead. Refused are names that are empty, not valid UTF-8, padded with
// whitespace or holding non-printable runes (names are compared exactly, so such a binding
// matches nobody or someone else than it seems), and every name under system:, which
// Kubernetes reserves for identities it assigns itself (every authenticated identity, every
// ServiceAccount, nodes, control-plane components), except the User of one ServiceAccount,
// system:serviceaccount:NAMESPACE:NAME with a valid namespace and name, other than the import
// agent (the downstream's agent fence refuses the same subjects), and every name under
// kimport:, which the hub gateway reserves for the identities it acts as in a downstream.
//
// The plugin calls it on --member and --add values, the reconciler before it binds a member
// and Members (the webhook) on every member a request adds or changes.
func Subject(m v1alpha1.Member) error {
	if p := subjectProblem(m); p != "" {
		return errors.New(p)
	}
	return nil
}

func subjectProblem(m v1alpha1.Member) string {
	return subjectProblemFor(m.Kind, m.Name, clusterGrant(m.Role))
}

// grant is a role as a refusal words it: its name and what it makes its subject.
type grant struct{ role, makes string }

// clusterGrant is what a cluster role makes its subject, in the downstream.
func clusterGrant(role v1alpha1.MemberRole) grant {
	if role == v1alpha1.RoleMember {
		return grant{string(role), "a viewer of every namespace (view)"}
	}
	return grant{string(role), "cluster-admin"} // and the CRD allows no other role
}

// subjectProblemFor is subjectProblem for a subject of kind and name given g.
func subjectProblemFor(kind v1alpha1.MemberKind, name string, g grant) string {
	switch {
	case name == "":
		return "the name is empty: name the user or group, e.g. alice@example.com or sre"
	case !utf8.ValidString(name):
		return "the name is not valid UTF-8, so it matches no identity: retype it"
	case strings.TrimSpace(name) != name:
		return "the name starts or ends with whitespace: names are compared exactly, so it matches no identity; remove the whitespace"
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Sprintf("the name holds the non-printable character %U at byte %d: names are compared exactly, so it looks like one subject and is another; remove it", r, i)
	}
	if strings.HasPrefix(name, gatewayapi.ReservedUserPrefix) {
		return fmt.Sprintf("%s %s starts with %s, which is reserved for the identities the hub gateway acts as in a downstream: a role for it would "+
			"reach whoever the gateway acts as under that name, not whom you mean; name the user or group itself", kind, shown(name), gatewayapi.ReservedUserPrefix)
	}
	if !strings.HasPrefix(name, systemPrefix) {
		return ""
	}
	shownName := shown(name)
	if kind == v1alpha1.MemberUser {
		if name == v1alpha1.AgentUser {
			return reach{"is the import agent, whom the hub acts as in the downstream", "the hub's token for this cluster", namePerson}.message(kind, shownName, g)
		}
		if rest, ok := strings.CutPrefix(name, serviceAccountUser); ok {
			return serviceAccountProblem(shownName, rest)
		}
		return reservedUser(name).message(kind, shownName, g)
	}
	if strings.HasPrefix(name, serviceAccountUser) {
		return fmt.Sprintf("Group %s is no group: a ServiceAccount is a User; use User:%s", shownName, shownName)
	}
	if name == "system:masters" {
		return "Group system:masters is the downstream's superuser group, whose members bypass authorization: a role for it grants nothing, " +
			"and whoever can join it owns the cluster already; " + nameOthers
	}
	return reservedGroup(name).message(kind, shownName, g)
}

// reservedGroup is whom a group under system: stands for.
func reservedGroup(name string) reach {
	if r, ok := reservedGroups[name]; ok {
		return r
	}
	if ns, ok := strings.CutPrefix(name, serviceAccountsGroup); ok {
		ns = shown(ns)
		return reach{"stands for every ServiceAccount in namespace " + ns, "every workload in " + ns,
			"name the ServiceAccount that needs access as User " + serviceAccountUser + ns + ":NAME"}
	}
	if strings.HasPrefix(name, "system:bootstrappers") {
		return reach{"stands for the bootstrap tokens that join nodes to the downstream", "whoever holds one", nameOthers}
	}
	return reach{"is reserved by Kubernetes (the system: prefix): it stands for whoever Kubernetes puts in it, not whom you choose",
		"all of them", nameOthers}
}

// reservedUser is who a user under system: (but not a ServiceAccount's) is.
func reservedUser(name string) reach {
	switch {
	case name == "system:anonymous":
		return reach{"is the identity of every request to the downstream without credentials", "anyone, even without credentials,", namePerson}
	case name == "system:apiserver":
		return reach{"is the downstream's API server itself", "it, and whoever steals its credentials,", namePerson}
	case strings.HasPrefix(name, "system:kube-"):
		return reach{"is a control-plane component of the downstream", "that component, and whoever steals its credentials,", namePerson}
	case strings.HasPrefix(name, "system:node:"):
		return reach{"is the kubelet of node " + shown(strings.TrimPrefix(name, "system:node:")), "that node, and whoever compromises it,", namePerson}
	}
	return reach{"is reserved by Kubernetes (the system: prefix) for its own components, not people", "whoever Kubernetes gives that name", namePerson}
}

// message is the refusal of a subject of kind, shown as shownName, that stands for r and
// would be given g.
func (r reach) message(kind v1alpha1.MemberKind, shownName string, g grant) string {
	return fmt.Sprintf("%s %s %s: giving it %s makes %s %s; %s", shown(string(kind)), shownName, r.is, shown(g.role), r.who, g.makes, r.remedy)
}

// serviceAccountProblem checks the NAMESPACE:NAME after system:serviceaccount: of a User.
func serviceAccountProblem(shownName, rest string) string {
	ns, sa, _ := strings.Cut(rest, ":")
	var why string
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		why = fmt.Sprintf("namespace %q: %s", shown(ns), errs[0])
	} else if errs := validation.IsDNS1123Subdomain(sa); len(errs) > 0 {
		why = fmt.Sprintf("name %q: %s", shown(sa), errs[0])
	} else {
		return ""
	}
	return fmt.Sprintf("User %s is no ServiceAccount's name (%s), so it matches no ServiceAccount; write %sNAMESPACE:NAME, "+
		"NAMESPACE a DNS-1123 label and NAME a DNS-1123 subdomain", shownName, why, serviceAccountUser)
}

// Members applies the member rule: each member's subject passes Subject, and each subject
// (kind and name) is listed once, since a second entry with another role is a mistake either
// way. oldObj is nil on CREATE. On UPDATE only members the update adds or changes are
// refused; problems of members stored exactly as they were are warnings, so that a record
// stored while the webhook was down can still be edited (removing such a member) and deleted.
func Members(newObj, oldObj *v1alpha1.ImportedCluster) Result {
	return membersRule(newObj, oldObj).by(RuleMembers)
}

func membersRule(newObj, oldObj *v1alpha1.ImportedCluster) Result {
	stored := map[v1alpha1.Member]bool{}
	if oldObj != nil {
		for _, m := range oldObj.Spec.Members {
			stored[m] = true
		}
	}
	type subject struct {
		kind v1alpha1.MemberKind
		name string
	}
	first := map[subject]int{}
	var r Result
	for i, m := range newObj.Spec.Members {
		p := membersPath.Index(i)
		if why := subjectProblem(m); why != "" {
			mr := Result{Errors: field.ErrorList{field.Invalid(p.Child("name"), shown(m.Name), why)}}
			if stored[m] {
				mr = demoted(mr)
			}
			r.merge(mr)
		}
		s := subject{m.Kind, m.Name}
		j, dup := first[s]
		if !dup {
			first[s] = i
			continue
		}
		prev := newObj.Spec.Members[j]
		mr := Result{Errors: field.ErrorList{duplicateMember(p, membersPath.Index(j), prev, m)}}
		if stored[m] && stored[prev] {
			mr = demoted(mr)
		}
		r.merge(mr)
	}
	return r
}

// printable is s, quoted when it is not valid UTF-8 or holds a non-printable rune: a message
// repeats it and must stay readable.
func printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// duplicateMember refuses m at p, whose subject is also prev at prevPath.
func duplicateMember(p, prevPath *field.Path, prev, m v1alpha1.Member) *field.Error {
	value := fmt.Sprintf("%s:%s=%s", m.Kind, shown(m.Name), shown(string(m.Role)))
	name := printable(shown(m.Name))
	detail := fmt.Sprintf("%s %s is %s already; remove one of the two entries", m.Kind, name, prevPath)
	if prev.Role != m.Role {
		detail = fmt.Sprintf("%s %s is %s already, with role %s: a subject has one role; remove the entry you do not mean",
			m.Kind, name, prevPath, printable(shown(string(prev.Role))))
	}
	return &field.Error{Type: field.ErrorTypeDuplicate, Field: p.String(), BadValue: value, Detail: detail}
}
