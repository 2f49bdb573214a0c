package importer

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"reflect"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Request is one import: what the user asked for and what the two clusters are.
type Request struct {
	// Name of the ImportedCluster.
	Name        string
	DisplayName string
	Members     []v1alpha1.Member
	// ClusterID is the UID of the downstream kube-system namespace.
	ClusterID string
	// APIServer is the https URL the hub uses to reach the downstream.
	APIServer string
	// CAData is the downstream API server's CA (PEM).
	CAData []byte
	// HubID is the UID of the hub's kube-system namespace; HubServer its URL.
	HubID     string
	HubServer string
	// Mode is how the hub and the downstream are connected (ModeAgent or ModeDirect).
	Mode v1alpha1.Mode
	// EtcdMembers is how many embedded-etcd members the downstream has (CountEtcdMembers):
	// the upgrade fence's quorum limit. ApplyDownstream counts them afresh.
	EtcdMembers int
	// Agent mode: how the agent reaches the hub, and its Deployment's shape (dry runs).
	Hub   HubPin
	Agent AgentOptions
}

// NewRequest completes r, what the caller asked for (name, display name, members, mode) and
// knows of the hub (its ID and URL), with what the downstream ds is: its identity, the
// endpoint the hub uses (advertiseAddress, "" for ds's own), its CA and how many
// embedded-etcd members it has. `cluster` and `join` both build their request here.
func NewRequest(ctx context.Context, ds *Cluster, r Request, advertiseAddress string) (Request, error) {
	r.APIServer = ds.Config.Host
	if advertiseAddress != "" {
		r.APIServer = advertiseAddress
	}
	if err := ValidateAPIServer(r.APIServer); err != nil {
		return r, fmt.Errorf("the downstream's address: %w (pass --advertise-address)", err)
	}
	var err error
	if r.ClusterID, err = KubeSystemUID(ctx, ds.Client); err != nil {
		return r, fmt.Errorf("downstream: %w", err)
	}
	if r.CAData, err = DownstreamCA(ctx, ds); err != nil {
		return r, err
	}
	if r.EtcdMembers, err = CountEtcdMembers(ctx, ds.Client); err != nil {
		return r, err
	}
	return r, nil
}

// CountEtcdMembers counts the downstream's embedded-etcd members: the nodes K3s labels
// node-role.kubernetes.io/etcd (reading their metadata only).
func CountEtcdMembers(ctx context.Context, ds client.Client) (int, error) {
	var nodes metav1.PartialObjectMetadataList
	nodes.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	if err := ds.List(ctx, &nodes, client.HasLabels{v1alpha1.NodeRoleEtcd}); err != nil {
		return 0, fmt.Errorf("counting the downstream's embedded-etcd members (nodes labelled %s): %w", v1alpha1.NodeRoleEtcd, err)
	}
	return len(nodes.Items), nil
}

// ValidateAPIServer accepts only https URLs with a host: the hub always verifies TLS.
func ValidateAPIServer(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q is not an https:// URL with a host (the hub reaches the downstream over verified TLS only)", s)
	}
	return nil
}

// DownstreamCA is the CA the hub pins for the downstream: the kubeconfig's CA, else the
// cluster's published kube-root-ca.crt.
func DownstreamCA(ctx context.Context, ds *Cluster) ([]byte, error) {
	if len(ds.Config.CAData) > 0 {
		return ds.Config.CAData, nil
	}
	if ds.Config.CAFile != "" {
		data, err := os.ReadFile(ds.Config.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the downstream CA named by the kubeconfig: %w", err)
		}
		return data, nil
	}
	var cm corev1.ConfigMap
	if err := ds.Client.Get(ctx, client.ObjectKey{Namespace: "kube-system", Name: "kube-root-ca.crt"}, &cm); err != nil {
		return nil, fmt.Errorf("the kubeconfig has no CA and kube-system/kube-root-ca.crt cannot be read: %w", err)
	}
	if cm.Data["ca.crt"] == "" {
		return nil, fmt.Errorf("the kubeconfig has no CA and kube-system/kube-root-ca.crt has no ca.crt")
	}
	return []byte(cm.Data["ca.crt"]), nil
}

// AgentRegistration is what the downstream marker records.
func (r Request) AgentRegistration() agent.Registration {
	return agent.Registration{HubID: r.HubID, HubServer: r.HubServer, ClusterName: r.Name, ClusterID: r.ClusterID, EtcdMembers: r.EtcdMembers}
}

// Spec is the ImportedCluster spec of the request.
func (r Request) Spec() v1alpha1.ImportedClusterSpec {
	return v1alpha1.ImportedClusterSpec{
		ClusterID:            r.ClusterID,
		DisplayName:          r.DisplayName,
		APIServer:            r.APIServer,
		CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(r.Name)},
		Members:              r.Members,
		Mode:                 r.Mode,
	}
}

// ImportedCluster is the hub record, with the finalizer that makes the reconciler clean the
// downstream before the record goes.
func (r Request) ImportedCluster() *v1alpha1.ImportedCluster {
	return &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{
			Name:       r.Name,
			Labels:     r.hubLabels(),
			Finalizers: []string{v1alpha1.Finalizer},
		},
		Spec: r.Spec(),
	}
}

// IdentityClaim is the Lease whose atomic creation claims the clusterID for this name.
func (r Request) IdentityClaim() *coordinationv1.Lease {
	holder := r.Name
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name: v1alpha1.IdentityClaimName(r.ClusterID), Namespace: v1alpha1.HubNamespace, Labels: r.hubLabels(),
		},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}
}

// CredentialsSecret is the hub Secret holding the downstream endpoint, CA and agent token.
func (r Request) CredentialsSecret(token string) *corev1.Secret {
	return hubcreds.Secret(r.Name, hubcreds.Credentials{Server: r.APIServer, CAData: r.CAData, Token: token})
}

func (r Request) hubLabels() map[string]string {
	return map[string]string{
		v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue,
		v1alpha1.ClusterLabel:   r.Name,
		v1alpha1.ClusterIDLabel: r.ClusterID,
	}
}

// SpecMatches says whether an existing record already has every field the request sets.
// Fields other verbs own (spec.k3s) are not compared.
func (r Request) SpecMatches(ic *v1alpha1.ImportedCluster) bool {
	want := r.Spec()
	got := ic.Spec
	got.K3s = nil
	if len(got.Members) == 0 && len(want.Members) == 0 {
		got.Members, want.Members = nil, nil
	}
	return reflect.DeepEqual(want, got)
}
