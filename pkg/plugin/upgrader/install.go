package upgrader

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/k3s"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// InstallOptions of `upgrader install NAME`.
type InstallOptions struct {
	common.RecordOptions
	// ConfigFlags choose the downstream: install needs the user's own rights there.
	ConfigFlags *genericclioptions.ConfigFlags
	DryRun      common.DryRunFlags
	Image       string
}

// NewInstallOptions accepts -o json|yaml for a dry run and defaults --image.
func NewInstallOptions(f common.Factory, streams genericiooptions.IOStreams) *InstallOptions {
	return &InstallOptions{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML),
		ConfigFlags: genericclioptions.NewConfigFlags(true), Image: k3s.DefaultControllerImage}
}

// Validate checks the flags.
func (o *InstallOptions) Validate() error {
	if o.Image == "" {
		return fmt.Errorf("--image must not be empty (default %s)", k3s.DefaultControllerImage)
	}
	if err := o.DryRun.Validate(); err != nil {
		return err
	}
	if o.DryRun.Server() {
		return fmt.Errorf("--dry-run=server is not supported by 'upgrader install': use --dry-run=client -o yaml to see what it applies")
	}
	return o.Output.Validate()
}

// Run checks that the downstream is NAME's cluster, then applies the controller.
func (o *InstallOptions) Run(ctx context.Context) error {
	objects := []client.Object{k3s.NewControllerConfigMap(o.Name)}
	for _, obj := range k3s.ControllerObjects(o.Name, o.Image) {
		objects = append(objects, obj)
	}
	if o.DryRun.Client() {
		return o.printObjects(objects)
	}
	_, ic, err := o.Record(ctx)
	if err != nil {
		return err
	}
	cfg, err := o.Factory.KubeConfig(o.ConfigFlags)
	if err != nil {
		return err
	}
	ds, err := o.Factory.Client(dsclient.Config(cfg, dsclient.Import))
	if err != nil {
		return err
	}
	uid, err := importer.KubeSystemUID(ctx, ds)
	if err != nil {
		return err
	}
	if uid != ic.Spec.ClusterID {
		return fmt.Errorf("the cluster of --kubeconfig/--context is not %q: its kube-system UID is %s, the hub records %s; choose the context of %s",
			o.Name, uid, ic.Spec.ClusterID, o.Name)
	}
	if err := o.ensureConfigMap(ctx, ds, objects[0].(*corev1.ConfigMap)); err != nil {
		return err
	}
	for _, obj := range objects[1:] {
		if _, err := importer.Apply(ctx, ds, obj, o.Out); err != nil {
			return err
		}
	}
	return nil
}

// ensureConfigMap creates the ConfigMap, or adds only the keys it lacks.
func (o *InstallOptions) ensureConfigMap(ctx context.Context, ds client.Client, want *corev1.ConfigMap) error {
	var have corev1.ConfigMap
	err := ds.Get(ctx, client.ObjectKeyFromObject(want), &have)
	if apierrors.IsNotFound(err) {
		if err := ds.Create(ctx, want.DeepCopy(), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
			return fmt.Errorf("creating configmap %s/%s: %w", want.Namespace, want.Name, err)
		}
		fmt.Fprintf(o.Out, "configmap/%s created\n", want.Name)
		return nil
	} else if err != nil {
		return fmt.Errorf("reading configmap %s/%s: %w", want.Namespace, want.Name, err)
	}
	missing := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(want.Data)) {
		if _, ok := have.Data[k]; !ok {
			missing[k] = want.Data[k]
		}
	}
	if len(missing) == 0 {
		fmt.Fprintf(o.Out, "configmap/%s unchanged\n", want.Name)
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"data": missing})
	if err := ds.Patch(ctx, &have, client.RawPatch(types.MergePatchType, patch), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("adding %d key(s) to configmap %s/%s: %w", len(missing), want.Namespace, want.Name, err)
	}
	fmt.Fprintf(o.Out, "configmap/%s configured\n", want.Name)
	return nil
}

// printObjects prints what install applies: a List with -o json|yaml, else their names.
func (o *InstallOptions) printObjects(objects []client.Object) error {
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
	for _, obj := range objects {
		u, err := importer.ToUnstructured(obj)
		if err != nil {
			return err
		}
		list.Items = append(list.Items, *u)
	}
	if o.Output.Format != "" {
		return o.Output.PrintObj(list, o.Out)
	}
	for i := range list.Items {
		fmt.Fprintf(o.Out, "%s created (dry run)\n", importer.Ref(&list.Items[i]))
	}
	return nil
}
