package importer

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// ApplyDownstream puts the agent objects into the downstream (server-side apply, so re-runs
// converge) and, in direct mode, returns a fresh short-lived token of the agent for the hub.
// The token is a secret: callers must never print it. In agent mode the agent runs as that
// ServiceAccount inside the cluster and no token leaves it ("" is returned).
//
// cattle-system is created only when absent; when the import creates it, it is owned by the
// agent ClusterRole (deleting the ClusterRole removes it) and the marker records that.
func ApplyDownstream(ctx context.Context, ds client.Client, req Request, out io.Writer) (string, error) {
	var err error
	if req.EtcdMembers, err = CountEtcdMembers(ctx, ds); err != nil { // afresh: the upgrade fence's quorum limit
		return "", err
	}
	ns, cr, rest := agent.Objects(req.AgentRegistration())
	created, err := ensureNamespace(ctx, ds, ns, out)
	if err != nil {
		return "", err
	}
	applied, err := Apply(ctx, ds, cr, out)
	if err != nil {
		return "", err
	}
	cr.UID = applied.GetUID()
	if created {
		agent.OwnedBy(ns, cr)
		if _, err := Apply(ctx, ds, ns, out); err != nil {
			return "", err
		}
	}
	for _, obj := range rest {
		agent.OwnedBy(obj, cr)
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == v1alpha1.MarkerConfigMap {
			cm.Data[v1alpha1.MarkerCreatedNamespace] = strconv.FormatBool(created)
		}
		if _, err := Apply(ctx, ds, obj.(client.Object), out); err != nil {
			return "", err
		}
	}
	if req.Mode == v1alpha1.ModeAgent {
		return "", nil
	}
	return IssueAgentToken(ctx, ds, agent.TokenLifetime, out)
}

// ensureNamespace creates cattle-system when absent and says whether the import owns it:
// created now, or by an earlier run (it carries the import's managed-by label).
func ensureNamespace(ctx context.Context, ds client.Client, ns *corev1.Namespace, out io.Writer) (bool, error) {
	var existing corev1.Namespace
	err := ds.Get(ctx, client.ObjectKeyFromObject(ns), &existing)
	switch {
	case apierrors.IsNotFound(err):
		if err := ds.Create(ctx, ns.DeepCopy(), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
			return false, fmt.Errorf("creating namespace %s: %w", ns.Name, err)
		}
		fmt.Fprintf(out, "namespace/%s created\n", ns.Name)
		return true, nil
	case err != nil:
		return false, fmt.Errorf("reading namespace %s: %w", ns.Name, err)
	case existing.DeletionTimestamp != nil:
		return false, fmt.Errorf("namespace %s is being deleted (an earlier import is being removed): wait until it is gone, then run the import again", ns.Name)
	}
	return existing.Labels[v1alpha1.ManagedByLabel] == v1alpha1.ManagedByValue, nil
}

// IssueAgentToken asks the downstream (as the importing user) for a token of the agent
// living lifetime: short-lived, bound to the agent's ServiceAccount, renewed by the hub.
func IssueAgentToken(ctx context.Context, ds client.Client, lifetime time.Duration, out io.Writer) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentServiceAccount}}
	tr := agent.TokenRequest(lifetime)
	if err := ds.SubResource("token").Create(ctx, sa, tr); err != nil {
		return "", fmt.Errorf("requesting a token for serviceaccount %s/%s (TokenRequest): %w", sa.Namespace, sa.Name, err)
	}
	fmt.Fprintf(out, "serviceaccount/%s token issued (-n %s, expires %s; the hub renews it)\n",
		sa.Name, sa.Namespace, tr.Status.ExpirationTimestamp.UTC().Format(time.RFC3339))
	return tr.Status.Token, nil
}

// DownstreamObjectNames lists, kubectl-style, what an import of a cluster with these members
// creates in the downstream: what may be left behind when the hub cannot remove it.
func DownstreamObjectNames(members []v1alpha1.Member, mode v1alpha1.Mode) []string {
	_, cr, rest := agent.Objects(agent.Registration{})
	names := []string{"namespace/" + v1alpha1.AgentNamespace + " (only if the import created it)"}
	for _, obj := range append([]metav1.Object{cr}, rest...) {
		u, err := ToUnstructured(obj.(client.Object))
		if err != nil {
			continue
		}
		name := Ref(u)
		if u.GetNamespace() != "" {
			name += " -n " + u.GetNamespace()
		}
		names = append(names, name)
	}
	if mode == v1alpha1.ModeAgent {
		names = append(names, "deployment.apps/"+v1alpha1.AgentDeployment+" -n "+v1alpha1.AgentNamespace+" (the agent)",
			"secret/"+v1alpha1.AgentHubSecret+" -n "+v1alpha1.AgentNamespace+" (the agent's hub token)")
	}
	for _, m := range members {
		names = append(names, "clusterrolebinding."+rbacv1.GroupName+"/"+agent.MemberBindingName(m)+" (member "+m.Name+")")
	}
	return names
}

// AgentNamespaceExists says whether the downstream already has cattle-system, which decides
// whether an import creates (and owns) it.
func AgentNamespaceExists(ctx context.Context, ds client.Client) (bool, error) {
	var ns corev1.Namespace
	err := ds.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentNamespace}, &ns)
	if apierrors.IsNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("reading namespace %s: %w", v1alpha1.AgentNamespace, err)
	}
	return true, nil
}
