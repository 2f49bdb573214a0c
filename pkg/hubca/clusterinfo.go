package hubca

import (
	"crypto/x509"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Names of what `create` publishes in kube-public (ClusterInfoObjects); the Role is kubeadm's, so that a kubeadm hub
// and this one grant the same.
const (
	PublicNamespace   = "kube-public"
	ClusterInfoName   = "cluster-info"
	ClusterInfoReader = "kubeadm:bootstrap-signer-clusterinfo"
)

// ClusterInfoObjects are the ConfigMap kube-public/cluster-info holding a kubeconfig with the
// hub's server and CA, and the Role and RoleBinding that let anonymous clients read that one
// ConfigMap: what kubeadm publishes. A CA certificate is public; its key never leaves the hub.
func ClusterInfoObjects(server string, ca *x509.Certificate) ([]scheme.Object, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[""] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: EncodePEM(ca)}
	kubeconfig, err := writeKubeconfig(cfg)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue}
	meta := metav1.ObjectMeta{Name: ClusterInfoName, Namespace: PublicNamespace, Labels: labels}
	rbacMeta := metav1.ObjectMeta{Name: ClusterInfoReader, Namespace: PublicNamespace, Labels: labels}
	return []scheme.Object{
		&corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"kubeconfig": string(kubeconfig)}},
		&rbacv1.Role{ObjectMeta: rbacMeta, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{ClusterInfoName}, Verbs: []string{"get"},
		}}},
		&rbacv1.RoleBinding{ObjectMeta: rbacMeta,
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ClusterInfoReader},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "system:anonymous"}},
		},
	}, nil
}
