package common

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

func testClusters() *v1alpha1.ImportedClusterList {
	return &v1alpha1.ImportedClusterList{Items: []v1alpha1.ImportedCluster{
		{ObjectMeta: metav1.ObjectMeta{Name: "alpha", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "x"}}},
			Spec: v1alpha1.ImportedClusterSpec{ClusterID: "id-a"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "beta"}, Spec: v1alpha1.ImportedClusterSpec{ClusterID: "id-b"}},
	}}
}

func TestOutputFlagsValidate(t *testing.T) {
	o := NewOutputFlags(OutputJSON, OutputYAML, OutputName, OutputWide)
	for _, ok := range []string{"", "json", "yaml", "name", "wide", "jsonpath={.x}", "jsonpath-as-json={.x}",
		"go-template={{.x}}", "custom-columns=NAME:.metadata.name", "template={{.x}}"} {
		o.Format = ok
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", ok, err)
		}
	}
	o.Format = "table"
	want := `unsupported --output (-o) value "table": use one of json, yaml, name, go-template, go-template-file, template, templatefile, ` +
		`jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide, or omit it for human-readable output`
	if err := o.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate = %v\nwant %s", err, want)
	}
	o = NewOutputFlags(OutputJSON, OutputYAML)
	o.Format = "wide"
	if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), `unsupported --output (-o) value "wide": use one of json, yaml, go-template,`) {
		t.Errorf("Validate(wide) without wide = %v", err)
	}
	o.Format = "name"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), `unsupported --output (-o) value "name"`) {
		t.Errorf("Validate(name) without name = %v", err)
	}
	// A template that does not parse, or is missing, is refused before anything runs.
	for format, msg := range map[string]string{
		"jsonpath={.x":    "unclosed action",
		"jsonpath":        "template format specified but no template given",
		"custom-columns=": "custom-columns format specified but no custom columns given",
		"go-template={{":  "unclosed action",
	} {
		o.Format = format
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), "--output (-o)") {
			t.Errorf("Validate(%q) = %v, want an error with %q", format, err, msg)
		}
	}
}

// withFlags parses args into the flags AddFlags registers, as cobra does.
func withFlags(t *testing.T, o *OutputFlags, args ...string) *OutputFlags {
	t.Helper()
	cmd := &cobra.Command{Use: "x"}
	o.AddFlags(cmd)
	if err := cmd.Flags().Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAddFlags(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	NewOutputFlags(OutputJSON, OutputYAML, OutputName, OutputWide).AddFlags(cmd)
	for _, name := range []string{"output", "template", "allow-missing-template-keys", "show-managed-fields", "no-headers"} {
		if cmd.Flags().Lookup(name) == nil {
			t.Errorf("flag --%s missing", name)
		}
	}
	if usage := cmd.Flags().Lookup("output").Usage; !strings.Contains(usage, "jsonpath") || !strings.Contains(usage, "custom-columns") {
		t.Errorf("-o usage %q names neither jsonpath nor custom-columns", usage)
	}
}

func TestPrintObjTemplates(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"jsonpath":             {[]string{"-o", "jsonpath={.items[*].metadata.name}"}, "alpha beta"},
		"jsonpath-as-json":     {[]string{"-o", "jsonpath-as-json={.items[*].spec.clusterID}"}, "[\n    \"id-a\",\n    \"id-b\"\n]\n"},
		"go-template":          {[]string{"-o", "go-template={{range .items}}{{.metadata.name}},{{end}}"}, "alpha,beta,"},
		"--template alone":     {[]string{"--template", "{{len .items}}"}, "2"},
		"custom-columns":       {[]string{"-o", "custom-columns=NAME:.metadata.name,ID:.spec.clusterID"}, "NAME    ID\nalpha   id-a\nbeta    id-b\n"},
		"no-headers":           {[]string{"-o", "custom-columns=NAME:.metadata.name", "--no-headers"}, "alpha\nbeta\n"},
		"kind is set":          {[]string{"-o", "jsonpath={.kind} {.items[0].kind} {.items[0].apiVersion}"}, "ImportedClusterList ImportedCluster kimport.dev/v1alpha1"},
		"managed fields":       {[]string{"-o", "jsonpath={.items[0].metadata.managedFields[0].manager}", "--show-managed-fields"}, "x"},
		"missing keys allowed": {[]string{"-o", "jsonpath={.items[0].nope}", "--allow-missing-template-keys=true"}, ""},
	}
	for name, c := range cases {
		o := withFlags(t, NewOutputFlags(OutputJSON, OutputYAML, OutputName), c.args...)
		var out bytes.Buffer
		if err := o.PrintObj(testClusters(), &out); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if out.String() != c.want {
			t.Errorf("%s: got %q, want %q", name, out.String(), c.want)
		}
	}
}

func TestPrintDocument(t *testing.T) {
	doc := struct {
		Cluster string   `json:"cluster"`
		Nodes   []string `json:"nodes"`
	}{"alpha", []string{"n1", "n2"}}
	cases := map[string]string{
		"jsonpath={.cluster}: {.nodes[*]}":            "alpha: n1 n2",
		"go-template={{.cluster}}":                    "alpha",
		"custom-columns=CLUSTER:.cluster,N:.nodes[*]": "CLUSTER   N\nalpha     n1,n2\n",
		"json": "{\n    \"cluster\": \"alpha\",\n    \"nodes\": [\n        \"n1\",\n        \"n2\"\n    ]\n}\n",
		"yaml": "cluster: alpha\nnodes:\n- n1\n- n2\n",
	}
	for format, want := range cases {
		o := withFlags(t, NewOutputFlags(OutputJSON, OutputYAML), "-o", format)
		var out bytes.Buffer
		printed, err := o.PrintDocument(doc, &out)
		if err != nil || !printed || out.String() != want {
			t.Errorf("%s: printed %v, %v: got %q, want %q", format, printed, err, out.String(), want)
		}
	}
	o := withFlags(t, NewOutputFlags(OutputJSON, OutputYAML))
	if printed, err := o.PrintDocument(doc, &bytes.Buffer{}); printed || err != nil {
		t.Errorf("default format: printed %v, %v; the verb prints its own", printed, err)
	}
}

func TestPrintTableNoHeaders(t *testing.T) {
	o := withFlags(t, NewOutputFlags(OutputJSON, OutputWide), "--no-headers", "-o", "wide")
	var out bytes.Buffer
	if err := o.PrintTable(&out, []string{"NAME", "AGE"}, [][]string{{"a", "5m"}, {"longer", "2d"}}); err != nil {
		t.Fatal(err)
	}
	if want := "a        5m\nlonger   2d\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestPrintObjName(t *testing.T) {
	var out bytes.Buffer
	o := &OutputFlags{Format: OutputName}
	if err := o.PrintObj(testClusters(), &out); err != nil {
		t.Fatal(err)
	}
	if want := "importedcluster.kimport.dev/alpha\nimportedcluster.kimport.dev/beta\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestPrintObjJSONAndYAML(t *testing.T) {
	for _, format := range []string{OutputJSON, OutputYAML} {
		var out bytes.Buffer
		o := &OutputFlags{Format: format}
		if err := o.PrintObj(&testClusters().Items[0], &out); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := yaml.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v\n%s", format, err, out.String())
		}
		if got["apiVersion"] != "kimport.dev/v1alpha1" || got["kind"] != "ImportedCluster" {
			t.Errorf("%s: apiVersion/kind = %v/%v", format, got["apiVersion"], got["kind"])
		}
		if md := got["metadata"].(map[string]any); md["managedFields"] != nil || md["name"] != "alpha" {
			t.Errorf("%s: metadata = %v (managedFields must be omitted)", format, md)
		}
	}
	var out bytes.Buffer
	if err := (&OutputFlags{Format: OutputJSON}).PrintObj(testClusters(), &out); err != nil {
		t.Fatal(err)
	}
	var list v1alpha1.ImportedClusterList
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if list.Kind != "ImportedClusterList" || len(list.Items) != 2 || list.Items[1].Kind != "ImportedCluster" ||
		list.Items[1].APIVersion != "kimport.dev/v1alpha1" {
		t.Errorf("list = %+v", list)
	}
}

func TestPrintResult(t *testing.T) {
	ic := &testClusters().Items[1]
	var out bytes.Buffer
	if err := (&OutputFlags{}).PrintResult(ic, "configured", &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "importedcluster.kimport.dev/beta configured\n" {
		t.Errorf("got %q", out.String())
	}
	out.Reset()
	if err := (&OutputFlags{Format: OutputName}).PrintResult(ic, "configured", &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "importedcluster.kimport.dev/beta\n" {
		t.Errorf("-o name: got %q", out.String())
	}
}

func TestPrintTable(t *testing.T) {
	var out bytes.Buffer
	err := PrintTable(&out, []string{"NAME", "PHASE", "AGE"}, [][]string{{"a", "Active", "5m"}, {"longer-name", "Pending", "2d"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "NAME          PHASE     AGE\n" +
		"a             Active    5m\n" +
		"longer-name   Pending   2d\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	cases := map[time.Duration]string{90 * time.Second: "90s", 5 * time.Minute: "5m", 3 * time.Hour: "3h", 50 * time.Hour: "2d2h", 10 * 24 * time.Hour: "10d"}
	for d, want := range cases {
		if got := Age(metav1.NewTime(now.Add(-d)), now); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
	if got := Age(metav1.Time{}, now); got != "<unknown>" {
		t.Errorf("Age(zero) = %q", got)
	}
}
