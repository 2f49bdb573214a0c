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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/kubectl/pkg/cmd/get"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
)

// Output formats a verb may accept in -o/--output. The empty format is the verb's own
// human-readable output (a table or a description).
const (
	OutputJSON = "json"
	OutputYAML = "yaml"
	OutputName = "name"
	OutputWide = "wide"
)

// OutputFlags is the -o/--output flag of a verb that shows objects, with kubectl's companions
// --template, --allow-missing-template-keys, --show-managed-fields and --no-headers. Every
// format but the human ones goes through cli-runtime's PrintFlags (json, yaml, name,
// go-template[-file], template[file], jsonpath[-as-json|-file]) and kubectl's custom-columns
// printer, so the output is exactly kubectl's (apiVersion/kind set, managedFields omitted
// unless asked for). The human formats (default and wide) are left to the verb, which prints
// its tables through PrintTable so that --no-headers holds.
//
// NewOutputFlags names which of json, yaml, name and wide a verb accepts; a verb that accepts
// json also accepts the template, jsonpath and custom-columns formats, which read the same
// document.
type OutputFlags struct {
	// Format is the value of -o, bound to PrintFlags.OutputFormat.
	Format string
	// NoHeaders is --no-headers: the tables and custom-columns print no header line.
	NoHeaders bool
	// PrintFlags holds the flags cli-runtime defines (--template, --show-managed-fields...).
	PrintFlags *genericclioptions.PrintFlags

	allowed []string
}

// NewOutputFlags accepts the given formats (of json, yaml, name, wide) in addition to the
// human-readable default; json brings the template, jsonpath and custom-columns formats.
func NewOutputFlags(allowed ...string) *OutputFlags {
	return &OutputFlags{allowed: allowed}
}

// flags is PrintFlags, created on first use so that a literal OutputFlags works too.
func (o *OutputFlags) flags() *genericclioptions.PrintFlags {
	if o.PrintFlags == nil {
		o.PrintFlags = genericclioptions.NewPrintFlags("")
	}
	o.PrintFlags.OutputFormat = &o.Format
	return o.PrintFlags
}

// AllowedFormats lists what -o accepts, in the order kubectl lists them.
func (o *OutputFlags) AllowedFormats() []string {
	var out []string
	for _, f := range []string{OutputJSON, OutputYAML, OutputName} {
		if slices.Contains(o.allowed, f) {
			out = append(out, f)
		}
	}
	if o.templates() {
		f := o.flags()
		out = append(out, f.TemplatePrinterFlags.AllowedFormats()...)
		out = append(out, get.NewCustomColumnsPrintFlags().AllowedFormats()...)
	}
	if slices.Contains(o.allowed, OutputWide) {
		out = append(out, OutputWide)
	}
	return out
}

// templates says whether the template, jsonpath and custom-columns formats are accepted.
func (o *OutputFlags) templates() bool {
	return slices.Contains(o.allowed, OutputJSON)
}

// AddFlags adds -o/--output and, when templates are accepted, --template,
// --allow-missing-template-keys, --show-managed-fields and --no-headers.
func (o *OutputFlags) AddFlags(cmd *cobra.Command) {
	f := o.flags()
	cmd.Flags().StringVarP(&o.Format, "output", "o", o.Format,
		fmt.Sprintf("Output format. One of: (%s). Default: human-readable.", strings.Join(o.AllowedFormats(), ", ")))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return o.AllowedFormats(), cobra.ShellCompDirectiveNoFileComp
	})
	if !o.templates() {
		return
	}
	f.JSONYamlPrintFlags.AddFlags(cmd)
	f.TemplatePrinterFlags.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", o.NoHeaders,
		"When using the default, wide or custom-column output format, don't print headers (default print headers).")
}

// Validate refuses a format the verb does not accept, naming the flag and what is accepted,
// and a template that does not parse, before anything is changed. --template without -o means
// -o go-template, as in kubectl.
func (o *OutputFlags) Validate() error {
	if o.Format == "" && o.templates() && o.template() != "" {
		o.Format = "go-template"
	}
	if o.Format == "" {
		return nil
	}
	if !slices.Contains(o.AllowedFormats(), formatName(o.Format)) {
		return fmt.Errorf("unsupported --output (-o) value %q: use one of %s, or omit it for human-readable output",
			o.Format, strings.Join(o.AllowedFormats(), ", "))
	}
	if o.Human() {
		return nil
	}
	if _, err := o.printer("", true); err != nil {
		return fmt.Errorf("--output (-o) %q: %w", o.Format, err)
	}
	return nil
}

// formatName is the format of an -o value without its argument: "jsonpath" for "jsonpath={.a}".
func formatName(format string) string {
	name, _, _ := strings.Cut(format, "=")
	return name
}

func (o *OutputFlags) template() string {
	if t := o.flags().TemplatePrinterFlags.TemplateArgument; t != nil {
		return *t
	}
	return ""
}

// Human says whether the verb prints its own human-readable output (default or wide).
func (o *OutputFlags) Human() bool { return o.Format == "" || o.Format == OutputWide }

// Wide says whether -o wide was asked for.
func (o *OutputFlags) Wide() bool { return o.Format == OutputWide }

// printer is cli-runtime's printer for the format (kubectl's for custom-columns), with
// operation for the name printer (`kind.group/name operation`). typed printers set
// apiVersion and kind from scheme.Scheme.
func (o *OutputFlags) printer(operation string, typed bool) (printers.ResourcePrinter, error) {
	format := o.Format
	if format == OutputWide {
		format = ""
	}
	if name := formatName(format); name == "custom-columns" || name == "custom-columns-file" {
		cc := get.NewCustomColumnsPrintFlags()
		cc.NoHeaders = o.NoHeaders
		return cc.ToPrinter(format)
	}
	stored := o.flags()
	f := genericclioptions.NewPrintFlags(operation)
	if typed {
		f = f.WithTypeSetter(scheme.Scheme)
	}
	f.OutputFormat = &format
	f.OutputFlagSpecified = func() bool { return format != "" }
	f.JSONYamlPrintFlags = stored.JSONYamlPrintFlags
	f.TemplatePrinterFlags = stored.TemplatePrinterFlags
	return f.ToPrinter()
}

// PrintObj prints an object, or every item of a list, in the chosen format.
func (o *OutputFlags) PrintObj(obj runtime.Object, w io.Writer) error {
	return o.printObj(obj, "", w)
}

// PrintResult reports a change: `kind.group/name OPERATION` (e.g. "configured") by default,
// else the object in the chosen format, as kubectl's mutating verbs do.
func (o *OutputFlags) PrintResult(obj runtime.Object, operation string, w io.Writer) error {
	return o.printObj(obj, operation, w)
}

func (o *OutputFlags) printObj(obj runtime.Object, operation string, w io.Writer) error {
	p, err := o.printer(operation, true)
	if err != nil {
		return err
	}
	if err := SetKinds(obj); err != nil {
		return err
	}
	switch formatName(o.Format) {
	case "", OutputWide, OutputName:
		// cli-runtime's name printer takes no typed lists: print their items one by one.
		if meta.IsListType(obj) {
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
	case "custom-columns", "custom-columns-file":
		// The columns are JSONPath expressions on the object as the API serves it.
		if obj, err = toUnstructured(obj); err != nil {
			return err
		}
	}
	return p.PrintObj(obj, w)
}

// toUnstructured converts a typed object or list into its unstructured form.
func toUnstructured(obj runtime.Object) (runtime.Object, error) {
	if _, ok := obj.(runtime.Unstructured); ok {
		return obj, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	if u.IsList() {
		return u.ToList()
	}
	return u, nil
}

// SetKinds sets apiVersion and kind from scheme.Scheme on obj and, for a list, on each item: typed
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
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		return err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	return nil
}

// PrintTable writes the verb's human-readable table: upper-case headers (left out with
// --no-headers) over the rows, aligned as kubectl aligns its tables.
func (o *OutputFlags) PrintTable(w io.Writer, headers []string, rows [][]string) error {
	if o.NoHeaders {
		headers = nil
	}
	return PrintTable(w, headers, rows)
}

// PrintTable writes rows under upper-case headers (none when headers is empty), aligned as
// kubectl aligns its tables. Every cell is escaped (Escape): cells show status and values read
// from downstreams, and a tab or newline in one would forge columns or rows.
func PrintTable(w io.Writer, headers []string, rows [][]string) error {
	tw := printers.GetNewTabWriter(w)
	if len(headers) > 0 {
		fmt.Fprintln(tw, joinCells(headers))
	}
	for _, row := range rows {
		fmt.Fprintln(tw, joinCells(row))
	}
	return tw.Flush()
}

// joinCells escapes each cell and joins them with tabs.
func joinCells(cells []string) string {
	escaped := make([]string, len(cells))
	for i, c := range cells {
		escaped[i] = Escape(c)
	}
	return strings.Join(escaped, "\t")
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
