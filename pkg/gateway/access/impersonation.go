package access

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

const (
	systemPrefix         = "system:"
	serviceAccountPrefix = "system:serviceaccount:"
)

// Caller is the hub identity of a request, as the hub's API server authenticated it. Its
// extras are never passed on.
type Caller struct {
	Name   string
	Groups []string
}

// Impersonation is whom the downstream is asked to act as: Impersonate-User,
// Impersonate-Group and the one extra, HubUserExtra, naming the caller.
type Impersonation struct {
	User   string
	Groups []string
	// HubUser is the caller's hub user name (Impersonate-Extra-gateway.kimport.dev/hub-user).
	HubUser string
}

// Refusal is a request the gateway refuses (403): the message names the cluster and what to do.
type Refusal struct{ Message string }

func (r *Refusal) Error() string { return r.Message }

// Decide is whom caller acts as in cluster, given the cluster's members, or a Refusal.
//
//   - A User member acts as itself, with those of its groups that are Group members.
//   - A hub ServiceAccount (system:serviceaccount:NS:NAME) that is a User member acts as
//     kimport:hub:system:serviceaccount:NS:NAME: impersonating the name itself would make it
//     the downstream's ServiceAccount NS/NAME, another identity with its own groups and rights.
//   - A caller who is a member only through groups acts as GroupMemberUser with those groups:
//     Kubernetes needs a user to impersonate groups, and the impersonator may impersonate
//     member subjects only.
//   - Never a system: group, never the caller's other groups or extras, never a member
//     subject that validate.Subject refuses (a record stored while the webhook was down), and
//     never a caller whose own name is reserved for derived identities (kimport:).
func Decide(cluster string, members []v1alpha1.Member, caller Caller) (Impersonation, error) {
	if err := callerProblem(cluster, caller); err != nil {
		return Impersonation{}, err
	}
	name := caller.Name
	var userMember *v1alpha1.Member
	memberGroups := map[string]bool{}
	for i, m := range members {
		switch {
		case m.Kind == v1alpha1.MemberUser && m.Name == name:
			userMember = &members[i]
		case m.Kind == v1alpha1.MemberGroup && validate.Subject(m) == nil:
			memberGroups[m.Name] = true
		}
	}
	var groups []string
	for _, g := range caller.Groups {
		if memberGroups[g] && !strings.HasPrefix(g, systemPrefix) && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	imp := Impersonation{Groups: groups, HubUser: name}
	switch {
	case userMember != nil:
		if err := validate.Subject(*userMember); err != nil {
			return Impersonation{}, &Refusal{fmt.Sprintf("cluster %s: member User %s cannot be reached through the gateway: %v", cluster, shown(name), err)}
		}
		imp.User = gatewayapi.DownstreamUser(name)
	case len(groups) > 0:
		imp.User = gatewayapi.GroupMemberUser
	default:
		return Impersonation{}, notMember(cluster, name)
	}
	return imp, nil
}

// notMember explains how to become a member of cluster.
func notMember(cluster, name string) *Refusal {
	return &Refusal{fmt.Sprintf("User %s is not a member of cluster %s or of one of its projects, nor is any of its groups: the members of a cluster and of its projects are who may reach it through the hub. "+
		"An owner of the cluster can add you: kubectl import members %s --add %s (or to a project: kubectl import projects %s members PROJECT --add %s)",
		shown(name), cluster, cluster, shellWord("User:"+name+"="+string(v1alpha1.RoleMember)), cluster, shellWord("User:"+name+"="+string(v1alpha1.RoleProjectMember)))}
}

// Check says whether imp is one the gateway can have made: the agent checks every request
// it forwards, so that not even the hub side can make it act as an identity the rules never give.
func Check(imp Impersonation) error {
	u := imp.User
	switch {
	case u == "":
		return errors.New("no user to impersonate")
	case strings.HasPrefix(u, serviceAccountPrefix):
		return fmt.Errorf("user %s is a ServiceAccount, which the gateway never impersonates", shown(u))
	case strings.HasPrefix(u, systemPrefix) && u != gatewayapi.GroupMemberUser:
		return fmt.Errorf("user %s is a system: user", shown(u))
	case u == gatewayapi.GroupMemberUser && len(imp.Groups) == 0:
		return fmt.Errorf("user %s without a member group", u)
	case imp.HubUser == "":
		return errors.New("no hub user to record")
	}
	for _, g := range imp.Groups {
		if g == "" || strings.HasPrefix(g, systemPrefix) {
			return fmt.Errorf("group %s is not one a member can be", shown(g))
		}
	}
	return nil
}

// shown quotes s when it would not read as one word.
func shown(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return fmt.Sprintf("%q", s)
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9@._:=/+-]+$`)

// shellWord is s as one shell word, quoted when needed.
func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
