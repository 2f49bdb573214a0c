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
// status, capabilities) as JSON or YAML. It reports false for the human formats, which each
// verb prints its own way.
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
