package list

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Options of `kubectl import list`.
type Options struct {
	common.HubVerbOptions
	Selector string

	client   client.Client
	selector labels.Selector
}

// NewOptions accepts -o json|yaml|name|wide.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{
		HubVerbOptions: common.NewHubVerbOptions(f, streams, common.OutputJSON, common.OutputYAML, common.OutputName, common.OutputWide),
	}
}

// Complete parses the selector; list takes no argument.
func (o *Options) Complete([]string) error {
	sel, err := labels.Parse(o.Selector)
	if err != nil {
		return fmt.Errorf("invalid --selector (-l) %q: %w", o.Selector, err)
	}
	o.selector = sel
	return nil
}

// Run connects to the hub and prints the clusters sorted by name.
func (o *Options) Run(ctx context.Context) error {
	var err error
	if o.client, err = o.HubClient(); err != nil {
		return err
	}
	list, err := o.listAll(ctx)
	if err != nil {
		return err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	if len(list.Items) == 0 && (o.Output.Human() || o.Output.Format == common.OutputName) {
		fmt.Fprintln(o.ErrOut, "No imported clusters found.")
		return nil
	}
	if !o.Output.Human() {
		return o.Output.PrintObj(list, o.Out)
	}
	return o.Output.PrintTable(o.Out, Headers(o.Output.Wide()), Rows(list.Items, o.Output.Wide(), o.Factory.Now()))
}

// pageSize is kubectl get's default --chunk-size: a hub with thousands of clusters answers in
// pages, never one huge response.
const pageSize = 500

// listAll lists the selected clusters page by page.
func (o *Options) listAll(ctx context.Context) (*v1alpha1.ImportedClusterList, error) {
	all := &v1alpha1.ImportedClusterList{}
	opts := []client.ListOption{client.MatchingLabelsSelector{Selector: o.selector}, client.Limit(pageSize)}
	for cont := ""; ; {
		page := &v1alpha1.ImportedClusterList{}
		if err := o.client.List(ctx, page, append(opts, client.Continue(cont))...); err != nil {
			return nil, fmt.Errorf("listing importedclusters on the hub: %w", err)
		}
		if all.Items == nil {
			all.TypeMeta, all.ListMeta = page.TypeMeta, page.ListMeta
		}
		all.Items = append(all.Items, page.Items...)
		if cont = page.Continue; cont == "" {
			all.Continue = ""
			return all, nil
		}
	}
}
