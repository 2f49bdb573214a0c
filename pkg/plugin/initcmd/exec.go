package initcmd

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/deploy"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// crdTimeout bounds the wait for a CRD to be Established.
const crdTimeout = 30 * time.Second

// Run applies the hub objects in order (each CRD Established before the next object) and
// records the hub for the other verbs. Re-running converges.
func (o *Options) Run(ctx context.Context) error {
	objs, err := o.manifests()
	if err != nil {
		return err
	}
	if o.DryRun.Client() {
		if o.InstallInventoryCRDs {
			crd, err := importer.InventoryCRD(deploy.ClusterProfileCRD)
			if err != nil {
				return err
			}
			objs = append(objs, crd)
		}
		list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
		for _, u := range objs {
			list.Items = append(list.Items, *u)
		}
		return o.Output.PrintResult(list, "serverside-applied (dry run)", o.Out)
	}
	if err := o.connect(); err != nil {
		return err
	}
	for _, u := range objs {
		applied, err := importer.Apply(ctx, o.hub.Client, u, o.Out)
		if err != nil {
			return err
		}
		if applied.GetKind() == "CustomResourceDefinition" {
			if err := waitEstablished(ctx, o.hub.Client, applied.GetName()); err != nil {
				return err
			}
		}
	}
	if o.InstallInventoryCRDs {
		if err := importer.InstallInventoryCRD(ctx, o.hub.Client, deploy.ClusterProfileCRD, o.Out); err != nil {
			return err
		}
	}
	if o.WebhookURL != "" {
		fmt.Fprintf(o.Out, "webhook: running outside the cluster at %s (in-cluster Deployment and Service not installed)\n", o.WebhookURL)
	}
	return o.recordHub()
}

func waitEstablished(ctx context.Context, c client.Client, name string) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, crdTimeout, true, func(ctx context.Context) (bool, error) {
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
		return fmt.Errorf("customresourcedefinition %s is not Established after %s: %w", name, crdTimeout, err)
	}
	return nil
}

// recordHub remembers the kubeconfig and context just used, so that the verbs acting on the
// hub need no flag.
func (o *Options) recordHub() error {
	raw, err := o.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return err
	}
	rec := common.RecordedHub{Context: raw.CurrentContext}
	if o.ConfigFlags.Context != nil && *o.ConfigFlags.Context != "" {
		rec.Context = *o.ConfigFlags.Context
	}
	if o.ConfigFlags.KubeConfig != nil {
		rec.Kubeconfig = *o.ConfigFlags.KubeConfig
	}
	if err := common.SaveRecordedHub(rec); err != nil {
		return fmt.Errorf("recording the hub: %w", err)
	}
	dir, _ := common.ConfigDir()
	kubeconfig := rec.Kubeconfig
	if kubeconfig == "" {
		kubeconfig = "default kubeconfig"
	}
	fmt.Fprintf(o.Out, "hub recorded: context %q (%s) in %s\n", rec.Context, kubeconfig, dir)
	return nil
}
