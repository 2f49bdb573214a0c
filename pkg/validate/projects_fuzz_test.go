package validate

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// FuzzProjects: whatever the names, namespaces, members and roles, the projects rule is
// deterministic, names the field it refuses, keeps its messages bounded, never refuses a
// no-op update, refuses on CREATE every member Subject refuses and every namespace listed in
// two projects, and in System every project-owner and project-member who is not a cluster-owner.
func FuzzProjects(f *testing.F) {
	f.Add("team-a", "a-dev", "dev", uint8(1), false, "team-b", "a-dev", uint8(0))
	f.Add("System", "cert-manager", "carol", uint8(0), false, "team-b", "b", uint8(2))
	f.Add("Default", "kube-system", "system:authenticated", uint8(2), true, "default", "ns", uint8(3))
	f.Add("x", "A", "kimport:hub:a", uint8(1), false, "x", "\xff", uint8(4))
	f.Add("System", "kube-system", "alice", uint8(0), false, "team", "t", uint8(5))
	f.Fuzz(func(t *testing.T, name, ns, memberName string, role uint8, isGroup bool, otherName, otherNS string, op uint8) {
		kind := v1alpha1.MemberUser
		if isGroup {
			kind = v1alpha1.MemberGroup
		}
		m := v1alpha1.ProjectMember{Kind: kind, Name: memberName, Role: v1alpha1.ProjectRoles[int(role)%len(v1alpha1.ProjectRoles)]}
		p := v1alpha1.ProjectSpec{Name: name, Namespaces: []v1alpha1.NamespaceName{v1alpha1.NamespaceName(ns)}, Members: []v1alpha1.ProjectMember{m}}
		other := v1alpha1.ProjectSpec{Name: otherName, Namespaces: []v1alpha1.NamespaceName{v1alpha1.NamespaceName(otherNS)}}
		projects := []v1alpha1.ProjectSpec{p, other}
		if op&1 != 0 {
			projects = []v1alpha1.ProjectSpec{other, p}
		}
		newObj := withProjects(projects...)
		var oldObj *v1alpha1.ImportedCluster
		switch op / 2 % 3 {
		case 1: // stored already
			oldObj = withProjects(projects...)
		case 2: // p added
			oldObj = withProjects(other)
		}
		r := Projects(newObj, oldObj)
		checkMessages(t, r, name, otherName)
		if again := Projects(newObj, oldObj); !reflect.DeepEqual(r, again) {
			t.Fatal("not deterministic")
		}
		for i, e := range r.Errors {
			if !strings.HasPrefix(e.Field, "spec.projects") || !strings.HasPrefix(e.Error(), e.Field+": ") || e.Detail == "" || r.RuleOf(i) != RuleProjects {
				t.Fatalf("refusal names no project field, no reason or no rule: %s", e.Error())
			}
		}
		if noop := Projects(newObj, newObj.DeepCopy()); len(noop.Errors) > 0 {
			t.Fatalf("no-op update refused: %v", noop.Err())
		}
		if oldObj != nil {
			return
		}
		at := "spec.projects[" + map[bool]string{false: "0", true: "1"}[op&1 != 0] + "]"
		refused := func(field string) bool {
			for _, e := range r.Errors {
				if e.Field == field {
					return true
				}
			}
			return false
		}
		if subjectProblem(v1alpha1.Member{Kind: kind, Name: memberName}) != "" && !refused(at+".members[0].name") {
			t.Fatalf("member %+v accepted: %v", m, r.Err())
		}
		system := name == v1alpha1.ProjectSystem && m.Role != v1alpha1.RoleReadOnly && memberName != "alice" && !(isGroup && memberName == "admins")
		if system && subjectProblem(v1alpha1.Member{Kind: kind, Name: memberName}) == "" && !refused(at+".members[0].role") {
			t.Fatalf("System %s for %+v, no cluster-owner, accepted: %v", m.Role, m, r.Err())
		}
		if ns == otherNS && name != otherName && projectNameProblem(name) == "" && projectNameProblem(otherName) == "" &&
			plainNamespace(ns) && r.Allowed() {
			t.Fatalf("namespace %q in projects %q and %q accepted", ns, name, otherName)
		}
	})
}

// plainNamespace says whether ns is a namespace name no built-in project holds.
func plainNamespace(ns string) bool {
	return v1alpha1.BuiltinProjectOf(ns) == "" && len(validation.IsDNS1123Label(ns)) == 0
}
