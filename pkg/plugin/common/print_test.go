package common

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

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
	for _, ok := range []string{"", "json", "yaml", "name", "wide"} {
		o.Format = ok
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", ok, err)
		}
	}
	o.Format = "jsonpath={.x}"
	want := `unsupported --output (-o) value "jsonpath={.x}": use one of json, yaml, name, wide, or omit it for human-readable output`
	if err := o.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate = %v\nwant %s", err, want)
	}
	o = NewOutputFlags(OutputJSON, OutputYAML)
	o.Format = "wide"
	if err := o.Validate(); err == nil || err.Error() != `unsupported --output (-o) value "wide": use one of json, yaml, or omit it for human-readable output` {
		t.Errorf("Validate(wide) without wide = %v", err)
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
