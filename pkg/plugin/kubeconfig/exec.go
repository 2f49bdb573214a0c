package kubeconfig

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	clientcmdlatest "k8s.io/client-go/tools/clientcmd/api/latest"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"

	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/record"
)

// Run reads the hub's context, proves that NAME is reachable through the gateway as the
// caller (refusing what never will be), then prints or merges the entries.
func (o *Options) Run(ctx context.Context) error {
	raw, hubContext, err := o.Hub.RawConfig()
	if err != nil {
		return err
	}
	hub, err := HubOf(raw, hubContext)
	if err != nil {
		return err
	}
	cfg, err := o.Factory.HubConfig(&o.Hub)
	if err != nil {
		return err
	}
	if err := o.check(ctx, cfg); err != nil {
		return err
	}
	entry := o.ContextName
	if entry == "" {
		entry = DefaultEntryName(o.Name, hub)
	}
	if o.Merge {
		return o.merge(hub, entry)
	}
	return o.print(Standalone(hub, o.Name, entry))
}

// check refuses a NAME the hub has no record of (when the caller may read records: a member
// need not) and a NAME the gateway will not let the caller through to; a cluster that does not
// answer right now only warns.
func (o *Options) check(ctx context.Context, cfg *rest.Config) error {
	c, err := o.Factory.Client(cfg)
	if err != nil {
		return err
	}
	if _, err := record.Get(ctx, c, o.Name); err != nil && !apierrors.IsForbidden(err) {
		return err
	}
	if err := record.CheckGateway(ctx, cfg); err != nil {
		return err
	}
	cs, err := o.Factory.Clientset(dsclient.Config(record.Gateway(cfg, o.Name), dsclient.Plugin))
	if err != nil {
		return err
	}
	// Do(...).Error() decodes the gateway's Status (its message names the fix); Raw() would not.
	err = cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error()
	switch {
	case err == nil:
		return nil
	case apierrors.IsForbidden(err):
		return fmt.Errorf("the hub's gateway refuses you for %s: %s", o.Name, common.Escape(err.Error()))
	}
	fmt.Fprintf(o.ErrOut, "Warning: %s does not answer through the hub's gateway right now (%s); the kubeconfig works once it does\n", o.Name, common.Escape(err.Error()))
	return nil
}

// print writes the standalone kubeconfig: YAML by default, else in the -o format.
func (o *Options) print(cfg *clientcmdapi.Config) error {
	var v1 clientcmdv1.Config
	if err := clientcmdlatest.Scheme.Convert(cfg, &v1, nil); err != nil {
		return err
	}
	v1.APIVersion, v1.Kind = clientcmdv1.SchemeGroupVersion.Version, "Config"
	if printed, err := o.Output.PrintDocument(v1, o.Out); printed || err != nil {
		return err
	}
	_, err := common.PrintDocument(o.Out, common.OutputYAML, v1)
	return err
}

// merge adds the entries to the kubeconfig kubectl's rules (or --kubeconfig) choose, and says
// what changed.
func (o *Options) merge(hub Hub, entry string) error {
	access := clientcmd.NewDefaultPathOptions()
	if o.Kubeconfig != "" {
		access.LoadingRules.ExplicitPath = o.Kubeconfig
	}
	start, err := access.GetStartingConfig()
	if err != nil {
		return fmt.Errorf("reading your kubeconfig: %w", err)
	}
	next, changes, err := Merge(start, hub, o.Name, entry)
	if err != nil {
		return err
	}
	if err := clientcmd.ModifyConfig(access, *next, true); err != nil {
		return fmt.Errorf("writing your kubeconfig: %w", err)
	}
	for _, c := range changes {
		note := ""
		if c.Note != "" {
			note = " (" + c.Note + ")"
		}
		fmt.Fprintf(o.Out, "%s/%s %s%s\n", c.Kind, c.Name, c.Verb, note)
	}
	fmt.Fprintf(o.Out, "%s reaches %s through the hub's gateway: kubectl --context %s get namespaces\n", access.GetDefaultFilename(), o.Name, entry)
	return nil
}
