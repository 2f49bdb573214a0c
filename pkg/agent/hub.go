package agent

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/heartbeat"
)

// Agent mode: the agent in the downstream dials out to the hub and authenticates there as its
// own ServiceAccount, v1alpha1.AgentName(cluster) in v1alpha1.HubNamespace. HubIdentity is
// everything that identity may touch in the hub, by name: its own ImportedCluster (and its
// status), its heartbeat Lease, its next token, the bootstrap Secret it deletes once it has
// that token, and its cluster's tunnel to the hub gateway (clusters/attach). The webhook narrows the status write further (validate.StatusWrite); the
// hub's policies narrow the Lease update to its renewal (deploy/base/heartbeat-policy.yaml)
// and every token request to TokenRequest (deploy/base/token-policy.yaml).

// Token lifetimes of agent mode.
const (
	// BootstrapLifetime bounds the token handed to the downstream at import, bound to the
	// bootstrap Secret: the agent exchanges it for its own token and deletes the Secret,
	// which ends it at once.
	BootstrapLifetime = time.Hour
	// HubTokenLifetime is the life of the agent's own hub token; the agent renews it once
	// half of that has passed.
	HubTokenLifetime = time.Hour
	// MaxTokenLifetime is the longest token an agent or a join identity may request in the
	// hub: the policy kimport-hub-tokens refuses longer ones (its 3600 s must agree).
	MaxTokenLifetime = time.Hour
)

var importedClusters = v1alpha1.GroupVersion.Group

// HubClusterRules are the cluster-wide rights of the agent of cluster in the hub: its own
// ImportedCluster alone, and its own cluster's tunnel to the gateway. list and watch with resourceNames are allowed when the client lists
// with the field selector metadata.name=cluster.
func HubClusterRules(cluster string) []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{importedClusters}, Resources: []string{"importedclusters"},
			Verbs: []string{"get", "list", "watch"}, ResourceNames: []string{cluster}},
		{APIGroups: []string{importedClusters}, Resources: []string{"importedclusters/status"},
			Verbs: []string{"get", "update", "patch"}, ResourceNames: []string{cluster}},
		// Opening the cluster's tunnel to the hub gateway (an upgrade of a get); the gateway
		// checks again that the caller is this cluster's agent.
		{APIGroups: []string{gatewayapi.Group}, Resources: []string{gatewayapi.Resource + "/" + gatewayapi.AttachSubresource},
			Verbs: []string{"get"}, ResourceNames: []string{cluster}},
	}
}

// HubNamespaceRules are the rights of the agent of cluster in v1alpha1.HubNamespace. No
// create anywhere: the hub creates the Lease and the bootstrap Secret.
func HubNamespaceRules(cluster string) []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"},
			Verbs: []string{"get", "update", "patch"}, ResourceNames: []string{v1alpha1.HeartbeatName(cluster)}},
		// Its own next token, before the current one expires.
		{APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"},
			Verbs: []string{"create"}, ResourceNames: []string{v1alpha1.AgentName(cluster)}},
		// Ending its bootstrap token once it has its own. No get: nothing to read in it.
		{APIGroups: []string{""}, Resources: []string{"secrets"},
			Verbs: []string{"delete"}, ResourceNames: []string{v1alpha1.AgentBootstrapName(cluster)}},
	}
}

// HubIdentity is the hub side of the agent of cluster, in creation order: the ClusterRole
// first, which owns every other object once applied (OwnedBy), so that deleting it removes the
// identity whole (a direct-mode cluster needs none); then the ServiceAccount, the bindings and
// Role, the heartbeat Lease, the bootstrap Secret and the session Secret. Every object is
// labelled Labels(cluster).
func HubIdentity(cluster string) []scheme.Object {
	name, ns := v1alpha1.AgentName(cluster), v1alpha1.HubNamespace
	meta := func(name, namespace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: v1alpha1.ImportLabels(cluster)}
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}}
	// The default cadence until the hub publishes its own (pkg/heartbeat).
	lease := &coordinationv1.Lease{ObjectMeta: meta(v1alpha1.HeartbeatName(cluster), ns),
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(v1alpha1.AgentUsername(cluster)),
			LeaseDurationSeconds: ptr.To(heartbeat.Of(heartbeat.DefaultLease).Seconds())}}
	lease.Labels[v1alpha1.HeartbeatLabel] = "true"
	return []scheme.Object{
		&rbacv1.ClusterRole{ObjectMeta: meta(name, ""), Rules: HubClusterRules(cluster)},
		&corev1.ServiceAccount{ObjectMeta: meta(name, ns)},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta(name, ""), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}},
		&rbacv1.Role{ObjectMeta: meta(name, ns), Rules: HubNamespaceRules(cluster)},
		&rbacv1.RoleBinding{ObjectMeta: meta(name, ns), Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}},
		lease,
		// Both hold nothing: they exist so that tokens can be bound to them.
		&corev1.Secret{ObjectMeta: meta(v1alpha1.AgentBootstrapName(cluster), ns), Type: corev1.SecretTypeOpaque},
		&corev1.Secret{ObjectMeta: meta(v1alpha1.AgentSessionName(cluster), ns), Type: corev1.SecretTypeOpaque},
	}
}

// BootstrapTokenRequest asks for a token of the agent ServiceAccount of cluster living
// lifetime and bound to the bootstrap Secret (secretUID): deleting that Secret ends the token.
// No audience: the hub's API server's own.
func BootstrapTokenRequest(cluster string, lifetime time.Duration, secretUID types.UID) *authenticationv1.TokenRequest {
	tr := TokenRequest(lifetime)
	tr.Spec.BoundObjectRef = &authenticationv1.BoundObjectReference{
		Kind: "Secret", APIVersion: "v1", Name: v1alpha1.AgentBootstrapName(cluster), UID: secretUID,
	}
	return tr
}

// SessionTokenRequest is the agent's request for its own next token (the bootstrap exchange
// and every renewal): living lifetime and bound to its session Secret, so that deleting that
// Secret (or the ServiceAccount) ends every token the agent ever renewed. The API server
// fills in the Secret's UID; the agent cannot read it.
func SessionTokenRequest(cluster string, lifetime time.Duration) *authenticationv1.TokenRequest {
	tr := TokenRequest(lifetime)
	tr.Spec.BoundObjectRef = &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: v1alpha1.AgentSessionName(cluster)}
	return tr
}

// ValidateHubServer accepts only an https URL with a host and nothing after the path: the
// agent sends its hub token over verified TLS only.
func ValidateHubServer(server string) error {
	u, err := url.Parse(server)
	switch {
	case err == nil && u.User != nil: // not repeated: it may hold a password
		return errors.New("the hub URL carries user information (USER:PASSWORD@); give the hub's https:// URL alone")
	case err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q is not an https:// URL of the hub (the agent sends its token over verified TLS only)", shownName(server))
	}
	return nil
}

// HubSecret is the downstream Secret cattle-system/HubSecretName: the hub's URL, its CA (PEM)
// and the CA's checksum (hubca.Checksum, "sha256:<hex>"), the cluster's name and the agent's
// hub token.
func HubSecret(cluster, hubServer string, caPEM []byte, caChecksum, token string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentHubSecret, Namespace: v1alpha1.AgentNamespace, Labels: v1alpha1.ImportLabels(cluster)},
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			v1alpha1.AgentHubKeyServer:     []byte(hubServer),
			v1alpha1.AgentHubKeyCA:         append([]byte(nil), caPEM...),
			v1alpha1.AgentHubKeyCAChecksum: []byte(caChecksum),
			v1alpha1.AgentHubKeyCluster:    []byte(cluster),
			v1alpha1.AgentHubKeyToken:      []byte(token),
		},
	}
}
