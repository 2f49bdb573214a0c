package common

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// PrintDocument prints a view that is not a Kubernetes object (node configuration, upgrade
// status, capabilities, a join command) in the chosen format. JSON and YAML are the document
// as it marshals (it has no apiVersion or kind, which cli-runtime's JSON and YAML printers
// require); the template, jsonpath and custom-columns formats go through cli-runtime's and
// kubectl's printers on that same JSON form, so `-o jsonpath={.cluster}` reads what -o json
// shows, and custom-columns prints one row for the document. It reports false for the human
// formats, which each verb prints its own way.
func (o *OutputFlags) PrintDocument(doc any, w io.Writer) (bool, error) {
	switch formatName(o.Format) {
	case "", OutputWide:
		return false, nil
	case OutputJSON, OutputYAML:
		return PrintDocument(w, o.Format, doc)
	}
	p, err := o.printer("", false)
	if err != nil {
		return true, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return true, err
	}
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal(b, &u.Object); err != nil {
		return true, err
	}
	return true, p.PrintObj(u, w)
}

// PrintDocument prints a view that is not a Kubernetes object as JSON or YAML. It reports
// false for any other format.
func PrintDocument(w io.Writer, format string, doc any) (bool, error) {
	var b []byte
	var err error
	switch format {
	case OutputJSON:
		if b, err = json.MarshalIndent(doc, "", "    "); err == nil {
			_, err = fmt.Fprintf(w, "%s\n", b)
		}
	case OutputYAML:
		if b, err = yaml.Marshal(doc); err == nil {
			_, err = w.Write(b)
		}
	default:
		return false, nil
	}
	return true, err
}

// CommentLines prefixes every line of s with "# ", for notes above a YAML document.
func CommentLines(s string) string {
	return "# " + strings.ReplaceAll(s, "\n", "\n# ")
}

// List wraps objects in a v1 List, as kubectl prints several objects.
func List(items []*unstructured.Unstructured) *unstructured.UnstructuredList {
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
	for _, u := range items {
		list.Items = append(list.Items, *u)
	}
	return list
}
