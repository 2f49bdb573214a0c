package initcmd

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-import/kubectl-import/deploy"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
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
			if err := importer.WaitEstablished(ctx, o.hub.Client, applied.GetName(), crdTimeout); err != nil {
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
		if o.GatewayURL != "" {
			fmt.Fprintf(o.Out, "gateway: running outside the cluster at %s (ExternalName Service %s)\n", o.GatewayURL, v1alpha1.GatewayComponent)
		} else {
			fmt.Fprintln(o.Out, "gateway: not installed (the hub component runs outside the cluster; give --gateway-url to reach clusters through the hub)")
		}
	}
	return o.recordHub()
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
