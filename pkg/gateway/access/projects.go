package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// ProjectOwner decides whether caller may change project of cluster through the gateway,
// whose record (spec and status as stored) is ic: nil when caller is a project-owner of
// project there, else a Refusal naming the project and who can make the caller one.
//
//   - A project-owner is a member of the project with role project-owner whose subject is the
//     caller: a User member of the caller's name, or a Group member that is one of the
//     caller's groups. Never through a system: group (the Members rule refuses them as
//     members; one stored while the webhook was down counts for nothing), never a member the
//     rules refuse (validate.ProjectMember: in System only cluster-owners may own), never a
//     caller whose own name is reserved for the gateway's derived identities.
//   - Cluster membership is no project ownership: a cluster-owner changes projects with its
//     hub RBAC on the record, as the editor of the cluster it is.
//   - A cluster that does not exist, or has no such project, answers as for a non-owner, so the
//     answer tells nobody which clusters or projects exist.
//
// It decides who; CheckProjectChange and the webhook's rules judge what.
func ProjectOwner(cluster, project string, ic *v1alpha1.ImportedCluster, caller Caller) error {
	if err := callerProblem(cluster, caller); err != nil {
		return err
	}
	if ic != nil {
		for _, p := range ic.Spec.Projects {
			if p.Name != project {
				continue
			}
			for _, m := range p.Members {
				if m.Role == v1alpha1.RoleProjectOwner && isCaller(m.Subject(), caller) && validate.ProjectMember(&ic.Spec, project, m) == nil {
					return nil
				}
			}
		}
	}
	return &Refusal{fmt.Sprintf("User %s is not a project-owner of project %s of cluster %s, nor is any of its groups: only a project's owners may change its namespaces and members through the hub. "+
		"A project-owner of %s, or whoever may update importedcluster %s in the hub, can make you one: kubectl import projects %s members %s --add %s",
		shown(caller.Name), shown(project), cluster, shown(project), cluster, cluster, project, shellWord("User:"+caller.Name+"="+string(v1alpha1.RoleProjectOwner)))}
}

// VisibleProjects are the names of the projects of ic that caller may list through the
// gateway: every project for a member of the cluster, else those it is a member of (any
// role), by the same subject rules as ProjectOwner. None is a Refusal, which a cluster that
// does not exist (ic nil) also gets.
func VisibleProjects(cluster string, ic *v1alpha1.ImportedCluster, caller Caller) ([]string, error) {
	if err := callerProblem(cluster, caller); err != nil {
		return nil, err
	}
	if ic == nil {
		return nil, notProjectMember(cluster, caller.Name)
	}
	all := slices.ContainsFunc(ic.Spec.Members, func(m v1alpha1.Member) bool {
		return isCaller(v1alpha1.Member{Kind: m.Kind, Name: m.Name}, caller) && validate.Subject(m) == nil
	})
	var names []string
	add := func(name string) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, p := range ic.Spec.Projects {
		if all || slices.ContainsFunc(p.Members, func(m v1alpha1.ProjectMember) bool {
			return isCaller(m.Subject(), caller) && validate.ProjectMember(&ic.Spec, p.Name, m) == nil
		}) {
			add(p.Name)
		}
	}
	if all {
		for _, p := range ic.Status.Projects {
			add(p.Name)
		}
	}
	if len(names) == 0 {
		return nil, notProjectMember(cluster, caller.Name)
	}
	return names, nil
}

// CheckProjectChange refuses what the webhook cannot see from the spec alone: adding to project
// a namespace that the hub last found in another project (status.projects) although no spec
// entry lists it: one that joined that project by its label kimport.dev/project. The webhook's
// rule Projects refuses, with its typed causes, the rest (a namespace another project lists, a
// built-in namespace).
func CheckProjectChange(ic *v1alpha1.ImportedCluster, project string, c gatewayapi.ProjectChange) error {
	for _, ns := range c.AddNamespaces {
		if v1alpha1.BuiltinProjectOf(string(ns)) != "" || slices.ContainsFunc(ic.Spec.Projects, func(p v1alpha1.ProjectSpec) bool { return slices.Contains(p.Namespaces, ns) }) {
			continue
		}
		for _, p := range ic.Status.Projects {
			if p.Name != project && slices.Contains(p.Namespaces, string(ns)) {
				return fmt.Errorf("namespace %s is in project %s (it joined it by its label %s=%s): "+
					"a namespace belongs to one project; whoever may change namespace %s in the cluster can remove that label first", ns, shown(p.Name), v1alpha1.ProjectLabel, v1alpha1.ProjectLabelValue(p.Name), ns)
			}
		}
	}
	return nil
}

// callerProblem refuses a caller without a name, or with one the gateway reserves.
func callerProblem(cluster string, caller Caller) error {
	switch {
	case caller.Name == "":
		return &Refusal{fmt.Sprintf("cluster %s: the request carries no user name, so membership cannot be checked", cluster)}
	case gatewayapi.Reserved(caller.Name):
		return &Refusal{fmt.Sprintf("cluster %s: user names starting with %q or %q are reserved for the identities the gateway gives callers in a downstream; use another identity",
			cluster, gatewayapi.ReservedUserPrefix, "system:"+gatewayapi.ReservedUserPrefix)}
	}
	return nil
}

// isCaller says whether subject s is caller: its User name, or one of its groups that is not
// a system: group.
func isCaller(s v1alpha1.Member, caller Caller) bool {
	switch s.Kind {
	case v1alpha1.MemberUser:
		return s.Name == caller.Name
	case v1alpha1.MemberGroup:
		return !strings.HasPrefix(s.Name, systemPrefix) && slices.Contains(caller.Groups, s.Name)
	}
	return false
}

func notProjectMember(cluster, name string) *Refusal {
	return &Refusal{fmt.Sprintf("User %s is a member of no project of cluster %s, nor is any of its groups, and not a member of the cluster: "+
		"a project's owners can add you (kubectl import projects %s members PROJECT --add %s)", shown(name), cluster, cluster, shellWord("User:"+name+"="+string(v1alpha1.RoleReadOnly)))}
}
