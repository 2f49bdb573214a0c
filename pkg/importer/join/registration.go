package join

import (
	"context"
	"fmt"
	"io"
	"maps"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// MinTokenExpiry is the shortest token the TokenRequest API issues. Shorter join tokens get
// this JWT lifetime and are revoked by the hub's reconciler at their own expiry.
const MinTokenExpiry = 10 * time.Minute

// Registration is the hub side of a two-step import (`kubectl import create`): an
// ImportedCluster waiting for `join`, an empty credentials Secret for join to fill, and a join
// identity allowed to complete only this registration.
type Registration struct {
	Name        string
	DisplayName string
	Members     []v1alpha1.Member
	// HubID is the UID of the hub's kube-system namespace, recorded for join.
	HubID string
	// ExpiresAt is when the join token stops working.
	ExpiresAt time.Time
}

// ImportedCluster is the record waiting for join: no clusterID and no apiServer yet.
func (r Registration) ImportedCluster() *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{
			Name:       r.Name,
			Labels:     map[string]string{v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue, v1alpha1.ClusterLabel: r.Name},
			Finalizers: []string{v1alpha1.Finalizer},
			Annotations: map[string]string{
				v1alpha1.HubIDAnnotation:       r.HubID,
				v1alpha1.JoinExpiresAnnotation: r.ExpiresAt.UTC().Format(time.RFC3339),
			},
		},
		Spec: v1alpha1.ImportedClusterSpec{
			DisplayName:          r.DisplayName,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(r.Name)},
			Members:              r.Members,
		},
	}
}

// JoinObjects are the credentials Secret join fills (empty now) and the join identity: a
// ServiceAccount whose ClusterRole allows get and patch of this one ImportedCluster and whose
// Role allows patch of this one Secret and deleting the ServiceAccount itself (join revokes
// its own token the moment it has handed the credentials over) and requesting the bootstrap
// token of the cluster's agent (agent mode). All are owned by the
// ImportedCluster (uid), so they go with it. Nothing allows get, create, list or watch of
// anything else. The hub's policy kimport-join-credentials (deploy/base/join-policy.yaml)
// narrows the Secret patch to one fill of an empty Secret: the token never reads it back.
func (r Registration) JoinObjects(uid types.UID) []client.Object {
	owner := importer.OwnedByImportedCluster(r.Name, uid)
	name := v1alpha1.JoinName(r.Name)
	labels := map[string]string{v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue, v1alpha1.ClusterLabel: r.Name}
	meta := func(name, namespace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: maps.Clone(labels), OwnerReferences: owner}
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: v1alpha1.HubNamespace}}
	return []client.Object{
		&corev1.Secret{ObjectMeta: meta(v1alpha1.CredentialsSecretName(r.Name), v1alpha1.HubNamespace), Type: corev1.SecretTypeOpaque},
		&corev1.ServiceAccount{ObjectMeta: meta(name, v1alpha1.HubNamespace)},
		&rbacv1.ClusterRole{ObjectMeta: meta(name, ""), Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters"},
			ResourceNames: []string{r.Name}, Verbs: []string{"get", "patch"},
		}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta(name, ""), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}},
		&rbacv1.Role{ObjectMeta: meta(name, v1alpha1.HubNamespace), Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"secrets"},
			ResourceNames: []string{v1alpha1.CredentialsSecretName(r.Name)}, Verbs: []string{"patch"},
		}, {
			APIGroups: []string{""}, Resources: []string{"serviceaccounts"},
			ResourceNames: []string{name}, Verbs: []string{"delete"},
		}, {
			// Agent mode: the bootstrap token of this cluster's agent, bound to its bootstrap
			// Secret; the agent's own RBAC is its cluster's status and heartbeat only.
			APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"},
			ResourceNames: []string{v1alpha1.AgentName(r.Name)}, Verbs: []string{"create"},
		}}},
		&rbacv1.RoleBinding{ObjectMeta: meta(name, v1alpha1.HubNamespace), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}},
	}
}

// IdentityExists says whether the registration's join ServiceAccount exists: whether a
// join token may be outstanding.
func IdentityExists(ctx context.Context, hub client.Client, name string) (bool, error) {
	var sa corev1.ServiceAccount
	err := hub.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.JoinName(name)}, &sa)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil && sa.DeletionTimestamp == nil, err
}

// RevokeIdentity deletes the join ServiceAccount and waits until it is gone: every token
// issued for it stops working (bound tokens name the ServiceAccount's UID).
func RevokeIdentity(ctx context.Context, hub client.Client, name string, out io.Writer) error {
	return revokeServiceAccount(ctx, hub, v1alpha1.JoinName(name), "the earlier join token", "earlier join tokens", out)
}

// RevokeAgentIdentity deletes the agent's hub ServiceAccount and waits until it is gone: every
// token of it stops working (bound tokens name its UID), the bootstrap token and every token
// minted with it included. importer.ApplyAgentIdentity makes a new one.
func RevokeAgentIdentity(ctx context.Context, hub client.Client, name string, out io.Writer) error {
	return revokeServiceAccount(ctx, hub, v1alpha1.AgentName(name), "the agent's hub tokens", "the agent's hub tokens, the bootstrap token included,", out)
}

// revokeServiceAccount deletes the ServiceAccount name in the hub namespace and waits until it
// is gone; what names its tokens in an error, and tokens in the line printed.
func revokeServiceAccount(ctx context.Context, hub client.Client, name, what, tokens string, out io.Writer) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: name}}
	if err := deleteAndWait(ctx, hub, sa); err != nil {
		return fmt.Errorf("revoking %s (deleting serviceaccount %s/%s): %w", what, sa.Namespace, sa.Name, err)
	}
	fmt.Fprintf(out, "serviceaccount/%s deleted (%s no longer work)\n", sa.Name, tokens)
	return nil
}

// deleteAndWait deletes obj and waits until it is gone; already gone is fine.
func deleteAndWait(ctx context.Context, hub client.Client, obj client.Object) error {
	if err := hub.Delete(ctx, obj); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	key := client.ObjectKeyFromObject(obj)
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		err := hub.Get(ctx, key, obj)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

// TokenCacheTTL is how long the hub's API server keeps accepting a token it authenticated
// once (kube-apiserver's token success cache, 10 s), after its ServiceAccount is deleted.
const TokenCacheTTL = 10 * time.Second

// WaitOutTokenCache waits until the API server no longer accepts tokens whose
// ServiceAccounts were deleted (and seen gone) just before: TokenCacheTTL and a second for
// its informers. Before that, a revoked token still authenticates, and could act as a
// ServiceAccount recreated under the same name.
func WaitOutTokenCache(ctx context.Context, out io.Writer) error {
	d := TokenCacheTTL + time.Second
	fmt.Fprintf(out, "waiting %s until the hub's API server has forgotten the revoked tokens (its authentication cache)\n", d)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// IssueToken asks the TokenRequest API for a token of the join ServiceAccount lasting ttl
// (at least MinTokenExpiry: the hub revokes shorter ones at their expiry) and returns it with
// the expiry the API server granted, which a server-side cap may make earlier. It is a
// secret: only the join command may show it.
func IssueToken(ctx context.Context, cs kubernetes.Interface, name string, ttl time.Duration) (string, time.Time, error) {
	seconds := int64(max(ttl, MinTokenExpiry) / time.Second)
	tr, err := cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).CreateToken(ctx, v1alpha1.JoinName(name),
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issuing the join token (TokenRequest for serviceaccount %s/%s): %w", v1alpha1.HubNamespace, v1alpha1.JoinName(name), err)
	}
	return tr.Status.Token, tr.Status.ExpirationTimestamp.Time, nil
}

// RevokeOwnToken deletes, as the join token itself, its ServiceAccount: every token issued
// for it stops working (after the API server's authentication cache, up to 10 s). Already
// gone is fine.
func RevokeOwnToken(ctx context.Context, hub *importer.Cluster, name string, out io.Writer) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.JoinName(name)}}
	if err := hub.Client.Delete(ctx, sa); err != nil && !apierrors.IsNotFound(err) {
		return explainError(err, hub, name, "revoking the join token (deleting serviceaccount "+sa.Namespace+"/"+sa.Name+")")
	}
	fmt.Fprintf(out, "serviceaccount/%s deleted (-n %s: the join token no longer works)\n", sa.Name, sa.Namespace)
	return nil
}

// CredentialsHandedOver says whether the registration's credentials Secret holds anything:
// join has handed the credentials over, and no join token may touch them again.
func CredentialsHandedOver(ctx context.Context, hub client.Client, name string) (bool, error) {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(name)}
	if err := hub.Get(ctx, key, &s); apierrors.IsNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("reading secret %s/%s: %w", key.Namespace, key.Name, err)
	}
	return len(s.Data) > 0, nil
}

// AwaitingJoin says whether ic is a registration whose join has not set its identity yet.
func AwaitingJoin(ic *v1alpha1.ImportedCluster) bool {
	return ic.Spec.ClusterID == ""
}
