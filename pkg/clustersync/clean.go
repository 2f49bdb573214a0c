package clustersync

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// GiveUp marks a downstream cleanup that no retry can complete.
type GiveUp struct{ Err error }

func (g *GiveUp) Error() string { return g.Err.Error() }

// Clean removes member bindings, project labels and the About API's ClusterProperties the
// import wrote, then deletes the agent ClusterRole as
// the last act: every other import object (the agent's Deployment and tokens included) is
// owned by it, so the downstream's garbage collector removes them. It refuses to touch a
// cluster whose identity is not spec.clusterID (a *GiveUp). The deadline bounds it.
func Clean(ctx context.Context, ds Downstream, ic *v1alpha1.ImportedCluster, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	cs := ds.Client
	ks, err := cs.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("cannot reach the downstream %s: reading namespace %s: %w", ds.Where, metav1.NamespaceSystem, err)
	}
	if err := identityMismatch(ic.Spec.ClusterID, string(ks.UID)); err != nil {
		return &GiveUp{err}
	}
	if err := deleteMembers(ctx, cs, ic.Name); err != nil {
		return err
	}
	if err := removeProjectLabels(ctx, cs); err != nil {
		return err
	}
	if err := removeAbout(ctx, ds); err != nil {
		return fmt.Errorf("deleting the About API clusterproperties: %w", err)
	}
	background := metav1.DeletePropagationBackground
	err = cs.RbacV1().ClusterRoles().Delete(ctx, v1alpha1.AgentClusterRole, metav1.DeleteOptions{PropagationPolicy: &background})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting ClusterRole %s: %w", v1alpha1.AgentClusterRole, err)
	}
	return nil
}

// CleanedMessage is the DownstreamRemoved message of a completed cleanup.
const CleanedMessage = "member bindings, project labels and clusterproperties removed; agent ClusterRole deleted, the garbage collector removes what it owns"

// LeftBehind lists what an abandoned cleanup may leave in the downstream.
func LeftBehind(ic *v1alpha1.ImportedCluster) string {
	var parts []string
	if len(ic.Spec.Members) > 0 {
		names := make([]string, len(ic.Spec.Members))
		for i, m := range ic.Spec.Members {
			names[i] = agent.MemberBindingName(m)
		}
		parts = append(parts, "ClusterRoleBindings "+strings.Join(names, ", "))
	}
	var namespaces []string
	for _, p := range ic.Status.Projects {
		namespaces = append(namespaces, p.Namespaces...)
	}
	if len(namespaces) > 0 {
		parts = append(parts, fmt.Sprintf("label %s on namespaces %s", v1alpha1.ProjectLabel, strings.Join(namespaces, ", ")))
	}
	agentObjects := "ServiceAccount " + v1alpha1.AgentServiceAccount + ", whose tokens end with it, ClusterRoleBinding, Role, RoleBinding, ConfigMap " + v1alpha1.MarkerConfigMap +
		", the gateway's impersonator (ServiceAccount, ClusterRole and ClusterRoleBinding " + v1alpha1.ImpersonatorClusterRole + ")"
	if ic.Spec.AgentMode() {
		agentObjects += ", the agent Deployment kimport-agent and its hub Secret kimport-agent-hub"
	}
	parts = append(parts, fmt.Sprintf("ClusterRole %s and what it owns (%s in %s, the fencing policy, and %s itself if the import created it); delete the ClusterRole with kubectl against the downstream to remove them all",
		v1alpha1.AgentClusterRole, agentObjects, v1alpha1.AgentNamespace, v1alpha1.AgentNamespace))
	parts = append(parts, "About API clusterproperties "+strings.Join(v1alpha1.ClusterPropertyNames, ", ")+" if the downstream serves that API")
	return strings.Join(parts, "; ")
}
