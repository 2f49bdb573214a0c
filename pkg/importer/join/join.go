// Package join is the two-step import: `create` registers a cluster in the hub (a record
// waiting for join, an empty credentials Secret, and a join identity whose short-lived token
// may complete only that registration), and `join` completes it from the downstream with that
// token. Every step is idempotent, as the import's are (pkg/importer).
package join

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// TokenRefusedError says the hub no longer accepts a join token.
type TokenRefusedError struct {
	Hub string
	// Name is the registration, when known.
	Name string
	// ExpiredAt is the token's own expiry when it has passed.
	ExpiredAt *time.Time
}

func (e *TokenRefusedError) Error() string {
	name := e.Name
	if name == "" {
		name = "NAME"
	}
	why := "it has expired or was revoked: the hub revokes a join token once its registration completes (the cluster is Active), " +
		"when 'kubectl import create " + name + " --rotate-token' issues a newer one, or when it expires (1h after create unless --ttl)"
	if e.ExpiredAt != nil {
		why = "it expired at " + e.ExpiredAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("the hub at %s refused the join token (401 Unauthorized): %s. Nothing was changed. "+
		"If the cluster still has to join, ask the hub admin for a fresh command: kubectl import create %s --rotate-token", e.Hub, why, name)
}

// HubConfig is the client configuration of the hub acting as the join token, the CA pinned.
func HubConfig(hubURL string, caPEM []byte, token string) *rest.Config {
	return &rest.Config{Host: hubURL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		UserAgent: v1alpha1.UserAgent, Timeout: 30 * time.Second}
}

// explainJoinError turns an authentication failure into TokenRefusedError and an
// authorization failure into a note that the token only completes its own registration.
func explainError(err error, hub *importer.Cluster, name, what string) error {
	switch {
	case apierrors.IsUnauthorized(err):
		claims, _ := hubcreds.UnverifiedClaims(hub.Config.BearerToken)
		refused := &TokenRefusedError{Hub: hub.Config.Host, Name: name}
		if refused.Name == "" {
			refused.Name = v1alpha1.JoinCluster(claims.Subject)
		}
		if exp := claims.ExpiresAt; !exp.IsZero() && time.Now().After(exp) {
			refused.ExpiredAt = &exp
		}
		return refused
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: the join token may not do this (it only completes registration %q): %w", what, name, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// TokenRegistration finds which registration the token completes (from the identity the hub
// gives it) and reads it.
func TokenRegistration(ctx context.Context, hub *importer.Cluster) (*v1alpha1.ImportedCluster, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := hub.Client.Create(ctx, review); err != nil {
		return nil, explainError(err, hub, "", "asking the hub who the join token is")
	}
	user := review.Status.UserInfo.Username
	name := v1alpha1.JoinCluster(user)
	if name == "" {
		return nil, fmt.Errorf("the token is not a join token (the hub knows it as %q): use the command 'kubectl import create NAME' printed", user)
	}
	var ic v1alpha1.ImportedCluster
	if err := hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		return nil, explainError(err, hub, name, "reading importedcluster "+name)
	}
	return &ic, nil
}

// SetIdentity records, as the join token, the downstream's identity and endpoint on the
// registration. The hub's webhook refuses it when another ImportedCluster holds the identity
// (no re-import) and refuses any other change made with a join token.
func SetIdentity(ctx context.Context, hub *importer.Cluster, req importer.Request, out io.Writer) error {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "ImportedCluster",
		"metadata": map[string]any{"name": req.Name, "labels": map[string]any{v1alpha1.ClusterIDLabel: req.ClusterID}},
		"spec":     map[string]any{"clusterID": req.ClusterID, "apiServer": req.APIServer, "mode": string(req.Mode)},
	}}
	if err := importer.ApplyAs(ctx, hub.Client, u, v1alpha1.JoinFieldManager); err != nil {
		return explainError(err, hub, req.Name, "recording the cluster's identity in the hub")
	}
	fmt.Fprintf(out, "%s serverside-applied (cluster ID %s, API server %s)\n", v1alpha1.Ref(req.Name), req.ClusterID, req.APIServer)
	return nil
}

// HandOverCredentials writes the downstream endpoint, CA and agent token into the
// registration's credentials Secret, as the join token. The token is never printed.
func HandOverCredentials(ctx context.Context, hub *importer.Cluster, req importer.Request, token string, out io.Writer) error {
	creds := hubcreds.Secret(req.Name, hubcreds.Credentials{Server: req.APIServer, CAData: req.CAData, Token: token})
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": creds.Name, "namespace": creds.Namespace},
		"data": map[string]any{
			hubcreds.KeyServer: base64.StdEncoding.EncodeToString(creds.Data[hubcreds.KeyServer]),
			hubcreds.KeyCA:     base64.StdEncoding.EncodeToString(creds.Data[hubcreds.KeyCA]),
			hubcreds.KeyToken:  base64.StdEncoding.EncodeToString(creds.Data[hubcreds.KeyToken]),
		},
	}}
	err := importer.ApplyAs(ctx, hub.Client, u, v1alpha1.JoinFieldManager)
	if apierrors.IsForbidden(err) {
		// RBAC lets the token patch this Secret; only the hub's policy refuses, and only a
		// second write: an earlier run handed the credentials over already.
		fmt.Fprintf(out, "secret/%s already holds the credentials (-n %s: handed over by an earlier run)\n", creds.Name, creds.Namespace)
		return nil
	}
	if err != nil {
		return explainError(err, hub, req.Name, "handing the agent credentials to the hub")
	}
	fmt.Fprintf(out, "secret/%s serverside-applied (-n %s: endpoint, CA and agent token)\n", creds.Name, creds.Namespace)
	return nil
}

// AppliedAgentToken reads the token of an agent whose objects were applied by other means
// (GitOps, from `join --dry-run -o yaml`), after checking that its marker names this
// registration in this hub.
func AppliedAgentToken(ctx context.Context, ds client.Client, req importer.Request, out io.Writer) (string, error) {
	var marker corev1.ConfigMap
	key := client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}
	if err := ds.Get(ctx, key, &marker); err != nil {
		return "", fmt.Errorf("--agent-applied: reading %s/%s (apply the manifest of 'kubectl import join ... --dry-run -o yaml' first): %w", key.Namespace, key.Name, err)
	}
	if got := marker.Data[v1alpha1.MarkerClusterName]; got != req.Name || marker.Data[v1alpha1.MarkerHubID] != req.HubID {
		return "", fmt.Errorf("--agent-applied: the marker %s/%s names cluster %q of hub %s, not %q of this hub (%s): apply the manifest printed for this registration",
			key.Namespace, key.Name, got, marker.Data[v1alpha1.MarkerHubID], req.Name, req.HubID)
	}
	return importer.IssueAgentToken(ctx, ds, agent.TokenLifetime, out)
}

// MarkerRegistration is what the downstream marker records; ok is false when there is none.
func MarkerRegistration(ctx context.Context, ds client.Client) (reg agent.Registration, ok bool) {
	d, ok := markerData(ctx, ds)
	return agent.Registration{HubID: d[v1alpha1.MarkerHubID], HubServer: d[v1alpha1.MarkerHubServer],
		ClusterName: d[v1alpha1.MarkerClusterName], ClusterID: d[v1alpha1.MarkerClusterID]}, ok
}

// markerData is the downstream marker's data; ok is false when it cannot be read.
func markerData(ctx context.Context, ds client.Client) (map[string]string, bool) {
	var marker corev1.ConfigMap
	if err := ds.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}, &marker); err != nil {
		return nil, false
	}
	return marker.Data, true
}

// MarkerPhase is the phase the hub last wrote into the downstream marker for cluster name, ""
// when the marker is absent or names another cluster.
func MarkerPhase(ctx context.Context, ds client.Client, name string) string {
	d, _ := markerData(ctx, ds)
	if d[v1alpha1.MarkerClusterName] != name {
		return ""
	}
	return d[v1alpha1.MarkerHubPhase]
}
