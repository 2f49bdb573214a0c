package capabilities

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/validate"
)

// SetOptions of `capabilities set NAME KEY=VALUE`.
type SetOptions struct {
	common.RecordOptions
	Key, Value string
}

// Complete takes NAME and splits KEY=VALUE.
func (o *SetOptions) Complete(args []string) error {
	key, value, ok := strings.Cut(args[1], "=")
	if !ok {
		return fmt.Errorf("%q: want KEY=VALUE, e.g. nodePortRange=30000-32767", args[1])
	}
	o.Key, o.Value = key, value
	return o.RecordOptions.Complete(args)
}

// Validate checks KEY: a capability name, with or without a prefix.
func (o *SetOptions) Validate() error {
	var err error
	o.Key, err = capabilityName(o.Key)
	return err
}

// Run checks the value with the webhook's rule and writes the override under
// capabilities/KEY in its canonical form (removing the same capability's other prefix).
func (o *SetOptions) Run(ctx context.Context) error {
	hub, ic, err := o.Record(ctx)
	if err != nil {
		return err
	}
	minor := validate.KubeMinor(ic.Status.KubernetesVersion)
	key := v1alpha1.CapabilityPrefix + o.Key
	caps, res := validate.ParseCapabilities(map[string]string{key: o.Value}, minor)
	if err := res.Err(); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	value := caps[o.Key].Text()
	_, res = validate.ParseCapabilities(map[string]string{key: value}, minor)
	for _, w := range res.Warnings {
		fmt.Fprintf(o.ErrOut, "Warning: %s\n", w)
	}
	other := v1alpha1.CapabilityPrefixCattle + o.Key
	if ic.Annotations[key] == value && !has(ic.Annotations, other) {
		fmt.Fprintf(o.Out, "%s unchanged\n", v1alpha1.Ref(o.Name))
		return nil
	}
	return patchAnnotations(ctx, hub, ic, map[string]any{key: value, other: nil}, "annotated", o.Out)
}

// UnsetOptions of `capabilities unset NAME KEY`.
type UnsetOptions struct {
	common.RecordOptions
	Key string
}

// Complete takes NAME and KEY.
func (o *UnsetOptions) Complete(args []string) error {
	o.Key = args[1]
	return o.RecordOptions.Complete(args)
}

// Validate checks KEY: a capability name, with or without a prefix.
func (o *UnsetOptions) Validate() error {
	var err error
	o.Key, err = capabilityName(o.Key)
	return err
}

// Run removes the override under both prefixes.
func (o *UnsetOptions) Run(ctx context.Context) error {
	hub, ic, err := o.Record(ctx)
	if err != nil {
		return err
	}
	keys := []string{v1alpha1.CapabilityPrefix + o.Key, v1alpha1.CapabilityPrefixCattle + o.Key}
	if !has(ic.Annotations, keys[0]) && !has(ic.Annotations, keys[1]) {
		fmt.Fprintf(o.Out, "%s unchanged (no override of %s)\n", v1alpha1.Ref(o.Name), o.Key)
		return nil
	}
	return patchAnnotations(ctx, hub, ic, map[string]any{keys[0]: nil, keys[1]: nil}, "annotated", o.Out)
}

// patchAnnotations merge-patches annotations (nil removes one), guarded by resourceVersion
// so a concurrent edit is not overwritten.
func patchAnnotations(ctx context.Context, hub client.Client, ic *v1alpha1.ImportedCluster, ann map[string]any, verb string, out io.Writer) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": ann, "resourceVersion": ic.ResourceVersion}})
	if err != nil {
		return err
	}
	if err := hub.Patch(ctx, ic, client.RawPatch(types.MergePatchType, patch), client.FieldOwner(v1alpha1.FieldManager)); err != nil {
		return fmt.Errorf("updating importedcluster %q: %w", ic.Name, err)
	}
	_, err = fmt.Fprintf(out, "%s %s\n", v1alpha1.Ref(ic.Name), verb)
	return err
}

// capabilityName accepts a capability name, or an annotation key under either prefix.
func capabilityName(key string) (string, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(key, v1alpha1.CapabilityPrefixCattle), v1alpha1.CapabilityPrefix)
	if !slices.Contains(validate.CapabilityNames(), name) {
		return "", fmt.Errorf("unknown capability %q: use one of %s", key, strings.Join(validate.CapabilityNames(), ", "))
	}
	return name, nil
}

func has(m map[string]string, key string) bool {
	_, ok := m[key]
	return ok
}
