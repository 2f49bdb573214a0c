package common

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
)

// Output formats a verb may accept in -o/--output. The empty format is the verb's own
// human-readable output (a table or a description).
const (
	OutputJSON = "json"
	OutputYAML = "yaml"
	OutputName = "name"
	OutputWide = "wide"
)

// OutputFlags is the -o/--output flag of a verb that shows objects. JSON, YAML and name go
// through cli-runtime's printers, so they look exactly as kubectl's do (apiVersion/kind set,
// managedFields omitted); the human formats are left to the verb.
type OutputFlags struct {
	Format  string
	allowed []string
}

// NewOutputFlags accepts the given formats in addition to the human-readable default.
func NewOutputFlags(allowed ...string) *OutputFlags {
	return &OutputFlags{allowed: allowed}
}

// AddFlags adds -o/--output.
func (o *OutputFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Format, "output", "o", o.Format,
		fmt.Sprintf("Output format. One of: (%s). Default: human-readable.", strings.Join(o.allowed, ", ")))
}

// Validate refuses a format the verb does not accept, naming the flag and what is accepted.
func (o *OutputFlags) Validate() error {
	if o.Format == "" || slices.Contains(o.allowed, o.Format) {
		return nil
	}
	return fmt.Errorf("unsupported --output (-o) value %q: use one of %s, or omit it for human-readable output",
		o.Format, strings.Join(o.allowed, ", "))
}

// Human says whether the verb prints its own human-readable output (default or wide).
func (o *OutputFlags) Human() bool { return o.Format == "" || o.Format == OutputWide }

// Wide says whether -o wide was asked for.
func (o *OutputFlags) Wide() bool { return o.Format == OutputWide }

// PrintObj prints an object, or every item of a list, as JSON, YAML or kind.group/name.
func (o *OutputFlags) PrintObj(obj runtime.Object, w io.Writer) error {
	return printObj(obj, o.Format, "", w)
}

// PrintResult reports a change: `kind.group/name OPERATION` (e.g. "configured") by default,
// else the object in the chosen format, as kubectl's mutating verbs do.
func (o *OutputFlags) PrintResult(obj runtime.Object, operation string, w io.Writer) error {
	return printObj(obj, o.Format, operation, w)
}

func printObj(obj runtime.Object, format, operation string, w io.Writer) error {
	flags := genericclioptions.NewPrintFlags(operation)
	if format == OutputWide {
		format = ""
	}
	flags.OutputFormat = &format
	p, err := flags.ToPrinter()
	if err != nil {
		return err
	}
	if err := SetKinds(obj); err != nil {
		return err
	}
	// cli-runtime's name printer takes no typed lists: print their items one by one.
	if meta.IsListType(obj) && (format == "" || format == OutputName) {
		items, err := meta.ExtractList(obj)
		if err != nil {
			return err
		}
		for _, item := range items {
			if err := p.PrintObj(item, w); err != nil {
				return err
			}
		}
		return nil
	}
	return p.PrintObj(obj, w)
}

// SetKinds sets apiVersion and kind from Scheme on obj and, for a list, on each item: typed
// clients leave them empty, and printed objects must be usable with `kubectl apply -f`.
func SetKinds(obj runtime.Object) error {
	if err := setKind(obj); err != nil {
		return err
	}
	if !meta.IsListType(obj) {
		return nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return err
	}
	for _, item := range items {
		if err := setKind(item); err != nil {
			return err
		}
	}
	return meta.SetList(obj, items)
}

func setKind(obj runtime.Object) error {
	if !obj.GetObjectKind().GroupVersionKind().Empty() {
		return nil
	}
	gvks, _, err := Scheme.ObjectKinds(obj)
	if err != nil {
		return err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	return nil
}

// PrintTable writes rows under upper-case headers, aligned as kubectl aligns its tables.
func PrintTable(w io.Writer, headers []string, rows [][]string) error {
	tw := printers.GetNewTabWriter(w)
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// Age is how long ago t was, as kubectl shows it ("5m", "3d"); <unknown> when unset.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// ValueOrNone shows an empty field as kubectl describe does.
func ValueOrNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
