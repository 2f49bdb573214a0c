package hubdiscovery

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
)

// Publish creates what hubca.ClusterInfoObjects lists when it is absent. An existing cluster-info
// (kubeadm's) is left alone; a warning says when it does not carry the pinned CA.
func Publish(ctx context.Context, hub client.Client, server string, ca *x509.Certificate, out, warn io.Writer) error {
	objs, err := hubca.ClusterInfoObjects(server, ca)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		_, isConfigMap := obj.(*corev1.ConfigMap)
		ref := refOf(obj)
		err := hub.Create(ctx, obj, client.FieldOwner(v1alpha1.FieldManager))
		switch {
		case err == nil && isConfigMap:
			fmt.Fprintf(out, "%s created (-n %s: the hub CA, public, for join to find and pin)\n", ref, hubca.PublicNamespace)
		case err == nil:
			fmt.Fprintf(out, "%s created (-n %s: anonymous clients may read cluster-info only)\n", ref, hubca.PublicNamespace)
		case !apierrors.IsAlreadyExists(err):
			return fmt.Errorf("publishing the hub CA (%s -n %s): %w", ref, hubca.PublicNamespace, err)
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
	if err := hub.Get(ctx, client.ObjectKey{Namespace: hubca.PublicNamespace, Name: hubca.ClusterInfoName}, &cm); err != nil {
		return
	}
	if hubca.Carries([]byte(cm.Data["kubeconfig"]), ca) {
		return
	}
	fmt.Fprintf(warn, "Warning: %s/%s exists but does not carry the CA pinned by the join command (%s); join finds it only if the hub serves it in its TLS chain or at /cacerts\n",
		hubca.PublicNamespace, hubca.ClusterInfoName, hubca.Checksum(ca))
}
