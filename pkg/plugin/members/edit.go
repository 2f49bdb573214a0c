package members

import (
	"fmt"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Edit is a validated set of member changes.
type Edit struct {
	Add    []v1alpha1.Member
	Remove []v1alpha1.Member
}

type subject struct {
	kind v1alpha1.MemberKind
	name string
}

func subjectOf(m v1alpha1.Member) subject { return subject{m.Kind, m.Name} }

// ParseEdit parses --add and --remove values. Errors name the flag and the value; a subject
// named twice with different intents (two roles, or added and removed) is refused.
func ParseEdit(add, remove []string) (Edit, error) {
	var e Edit
	seen := map[subject]string{}
	claim := func(m v1alpha1.Member, flag, value string) error {
		s := subjectOf(m)
		if prev, dup := seen[s]; dup && prev != flag+" "+value {
			return fmt.Errorf("%s %q conflicts with %s: give each member one change", flag, value, prev)
		}
		seen[s] = flag + " " + value
		return nil
	}
	for _, v := range add {
		m, err := common.ParseMember(v)
		if err != nil {
			return Edit{}, fmt.Errorf("invalid --add %w", err)
		}
		if err := claim(m, "--add", v); err != nil {
			return Edit{}, err
		}
		e.Add = append(e.Add, m)
	}
	for _, v := range remove {
		m, err := common.ParseMemberRef(v)
		if err != nil {
			return Edit{}, fmt.Errorf("invalid --remove %w", err)
		}
		if err := claim(m, "--remove", v); err != nil {
			return Edit{}, err
		}
		e.Remove = append(e.Remove, m)
	}
	return e, nil
}

// Empty says whether there is nothing to change.
func (e Edit) Empty() bool { return len(e.Add) == 0 && len(e.Remove) == 0 }

// Apply returns members with the edit applied, in order (added members at the end, a changed
// role in place). Removing a subject that is not a member is an error naming it.
func (e Edit) Apply(members []v1alpha1.Member) ([]v1alpha1.Member, error) {
	out := make([]v1alpha1.Member, 0, len(members)+len(e.Add))
	removed := map[subject]bool{}
	for _, r := range e.Remove {
		removed[subjectOf(r)] = false
	}
	for _, m := range members {
		if _, gone := removed[subjectOf(m)]; gone {
			removed[subjectOf(m)] = true
			continue
		}
		out = append(out, m)
	}
	for _, r := range e.Remove {
		if !removed[subjectOf(r)] {
			return nil, fmt.Errorf("--remove %s: not a member (members: %s)", common.FormatMemberRef(r), list(members))
		}
	}
add:
	for _, a := range e.Add {
		for i := range out {
			if subjectOf(out[i]) == subjectOf(a) {
				out[i].Role = a.Role
				continue add
			}
		}
		out = append(out, a)
	}
	return out, nil
}

func list(members []v1alpha1.Member) string {
	if len(members) == 0 {
		return "none"
	}
	s := make([]string, len(members))
	for i, m := range members {
		s[i] = common.FormatMember(m)
	}
	return strings.Join(s, ", ")
}
