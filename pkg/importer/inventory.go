package importer

import (
	"context"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/deploy"
)

// InventoryCRD is one of the inventory APIs' CRDs embedded in deploy (deploy.ClusterProfileCRD,
// deploy.ClusterPropertyCRD).
func InventoryCRD(file string) (*unstructured.Unstructured, error) {
	data, err := deploy.FS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("embedded deploy/%s: %w", file, err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		return nil, fmt.Errorf("embedded deploy/%s: %w", file, err)
	}
	return u, nil
}

// InstallInventoryCRD installs the embedded CRD file unless a CRD of that name exists: the
// real one (from its SIG's release, or another cluster manager) is left as it is. It waits
// until the CRD is Established.
func InstallInventoryCRD(ctx context.Context, c client.Client, file string, out io.Writer) error {
	crd, err := InventoryCRD(file)
	if err != nil {
		return err
	}
	existing := &unstructured.Unstructured{}
	existing.SetGroupVersionKind(crd.GroupVersionKind())
	switch err := c.Get(ctx, client.ObjectKey{Name: crd.GetName()}, existing); {
	case err == nil:
		fmt.Fprintf(out, "%s already installed, left as it is\n", Ref(crd))
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading %s: %w", Ref(crd), err)
	}
	if _, err := Apply(ctx, c, crd, out); err != nil {
		return err
	}
	return WaitEstablished(ctx, c, crd.GetName(), 30*time.Second)
}

// WaitEstablished waits until the CRD name is Established.
func WaitEstablished(ctx context.Context, c client.Client, name string, timeout time.Duration) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		crd := &unstructured.Unstructured{}
		crd.SetAPIVersion("apiextensions.k8s.io/v1")
		crd.SetKind("CustomResourceDefinition")
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("customresourcedefinition %s is not Established after %s: %w", name, timeout, err)
	}
	return nil
}
