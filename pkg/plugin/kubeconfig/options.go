package kubeconfig

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import kubeconfig NAME`.
type Options struct {
	common.RecordOptions
	// Merge adds the entries to the kubeconfig instead of printing them.
	Merge bool
	// Kubeconfig is the file --merge writes, instead of kubectl's choice.
	Kubeconfig string
	// ContextName names the context and cluster entries (and the user entry when copied);
	// DefaultEntryName when empty.
	ContextName string
}

// NewOptions prints the kubeconfig as YAML, or -o json|yaml (and the template formats).
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams, common.OutputJSON, common.OutputYAML)}
}

// AddFlags adds the hub flags, -o, --merge, --kubeconfig and --context-name.
func (o *Options) AddFlags(cmd *cobra.Command) {
	o.RecordOptions.AddFlags(cmd)
	fs := cmd.Flags()
	fs.BoolVar(&o.Merge, "merge", false, "add the cluster, context and user to your kubeconfig instead of printing them")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "with --merge: the kubeconfig file to write (default: kubectl's, from $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.ContextName, "context-name", "", "name of the context and cluster entries (default: NAME@HUB-CONTEXT)")
}

// Validate checks NAME and how the flags combine; nothing is read yet.
func (o *Options) Validate() error {
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("invalid NAME %q: %s", o.Name, errs[0])
	}
	if o.Kubeconfig != "" && !o.Merge {
		return errors.New("--kubeconfig names the file --merge writes: add --merge, or leave --kubeconfig out to print the kubeconfig")
	}
	if o.Merge && o.Output.Format != "" {
		return errors.New("--merge writes your kubeconfig and prints only what changed; -o prints the kubeconfig instead: use one of them")
	}
	return o.RecordOptions.Validate()
}
