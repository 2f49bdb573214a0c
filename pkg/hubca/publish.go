package hubca

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Names of what Publish creates in kube-public; the Role is kubeadm's, so that a kubeadm hub
// and this one grant the same.
const (
	PublicNamespace   = "kube-public"
	ClusterInfoName   = "cluster-info"
	ClusterInfoReader = "kubeadm:bootstrap-signer-clusterinfo"
)

// ClusterInfoObjects are the ConfigMap kube-public/cluster-info holding a kubeconfig with the
// hub's server and CA, and the Role and RoleBinding that let anonymous clients read that one
// ConfigMap: what kubeadm publishes. A CA certificate is public; its key never leaves the hub.
func ClusterInfoObjects(server string, ca *x509.Certificate) ([]client.Object, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[""] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: EncodePEM(ca)}
	kubeconfig, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue}
	meta := metav1.ObjectMeta{Name: ClusterInfoName, Namespace: PublicNamespace, Labels: labels}
	rbacMeta := metav1.ObjectMeta{Name: ClusterInfoReader, Namespace: PublicNamespace, Labels: labels}
	return []client.Object{
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

// Publish creates what ClusterInfoObjects lists when it is absent. An existing cluster-info
// (kubeadm's) is left alone; a warning says when it does not carry the pinned CA.
func Publish(ctx context.Context, hub client.Client, server string, ca *x509.Certificate, out, warn io.Writer) error {
	objs, err := ClusterInfoObjects(server, ca)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		_, isConfigMap := obj.(*corev1.ConfigMap)
		ref := refOf(obj)
		err := hub.Create(ctx, obj, client.FieldOwner(v1alpha1.FieldManager))
		switch {
		case err == nil && isConfigMap:
			fmt.Fprintf(out, "%s created (-n %s: the hub CA, public, for join to find and pin)\n", ref, PublicNamespace)
		case err == nil:
			fmt.Fprintf(out, "%s created (-n %s: anonymous clients may read cluster-info only)\n", ref, PublicNamespace)
		case !apierrors.IsAlreadyExists(err):
			return fmt.Errorf("publishing the hub CA (%s -n %s): %w", ref, PublicNamespace, err)
		case isConfigMap:
			warnIfNotCarried(ctx, hub, ca, warn)
		}
	}
	return nil
}

func refOf(obj client.Object) string {
	switch obj.(type) {
	case *corev1.ConfigMap:
		return "configmap/" + obj.GetName()
	case *rbacv1.Role:
		return "role.rbac.authorization.k8s.io/" + obj.GetName()
	default:
		return "rolebinding.rbac.authorization.k8s.io/" + obj.GetName()
	}
}

func warnIfNotCarried(ctx context.Context, hub client.Client, ca *x509.Certificate, warn io.Writer) {
	var cm corev1.ConfigMap
	if err := hub.Get(ctx, client.ObjectKey{Namespace: PublicNamespace, Name: ClusterInfoName}, &cm); err != nil {
		return
	}
	cfg, err := clientcmd.Load([]byte(cm.Data["kubeconfig"]))
	if err == nil {
		for _, c := range cfg.Clusters {
			if certs, err := ParseCertificates(c.CertificateAuthorityData); err == nil {
				for _, cert := range certs {
					if Checksum(cert) == Checksum(ca) {
						return
					}
				}
			}
		}
	}
	fmt.Fprintf(warn, "Warning: %s/%s exists but does not carry the CA pinned by the join command (%s); join finds it only if the hub serves it in its TLS chain or at /cacerts\n",
		PublicNamespace, ClusterInfoName, Checksum(ca))
}
