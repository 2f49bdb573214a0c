package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	"github.com/kubectl-import/kubectl-import/pkg/execinfo"
	"github.com/kubectl-import/kubectl-import/pkg/inventory"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// ExecInfoEnv is where client-go passes an exec plugin its ExecCredential request.
const ExecInfoEnv = execinfo.Env

// Options of `kubectl import credentials [NAME]`.
type Options struct {
	common.HubVerbOptions
	// Name is the cluster whose gateway the credential is for.
	Name string
	// Request is the exec request client-go passed ($KUBERNETES_EXEC_INFO); nil when the
	// command runs by hand, which is refused.
	Request *execinfo.Request
}

// NewOptions: when no flag, variable or record chooses the hub, the hub is the one client-go
// finds (a controller's pod has no record).
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	o := &Options{HubVerbOptions: common.NewHubVerbOptions(f, streams)}
	o.Hub.ClientGoDefault = true
	return o
}

// Complete reads the exec request client-go passed in $KUBERNETES_EXEC_INFO, strictly, and
// takes NAME, else the clusterName of the cluster's exec extension (provideClusterInfo).
func (o *Options) Complete(args []string) error {
	if info := os.Getenv(ExecInfoEnv); info != "" {
		req, err := execinfo.Parse(info)
		if err != nil {
			return err
		}
		o.Request = &req
	}
	if len(args) == 1 {
		o.Name = args[0]
	} else if o.Request != nil && o.Request.Cluster != nil {
		o.Name = o.Request.Cluster.ClusterName
	}
	return nil
}

// Validate checks NAME, and that the command runs as an exec plugin whose request names
// where the credential goes.
func (o *Options) Validate() error {
	if o.Request == nil {
		return errors.New("kubectl import credentials is an exec credential plugin: client-go runs it (with $" + ExecInfoEnv + " and provideClusterInfo), " +
			"and it prints your hub credential only for the hub's gateway to the cluster the request names; to use a cluster yourself, run 'kubectl import kubeconfig NAME'")
	}
	if o.Name == "" {
		return errors.New("no cluster named: give NAME (kubectl import credentials NAME), or run it with provideClusterInfo and the cluster's exec extension (its ClusterProfile's access provider)")
	}
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("invalid NAME %q: %s", o.Name, errs[0])
	}
	if o.Request.Cluster == nil {
		// Refused before any credential is looked at: the request says nothing to check.
		return execinfo.Check(*o.Request, execinfo.Target{Cluster: o.Name})
	}
	return nil
}

// Run finds the caller's hub credential as client-go would (the hub flags, the variable or the
// recorded hub, else $KUBECONFIG, ~/.kube/config or the pod's ServiceAccount) and prints it as
// an ExecCredential, once the request proved to send it to that hub's gateway for NAME and
// nowhere else: its server is inventory.Lookup of that hub (what the cluster's ClusterProfile
// publishes when the hub is reached the same way) and it trusts exactly the hub's CA. Nothing
// is read from the hub, and no stored credential exists to be read.
func (o *Options) Run(context.Context) error {
	cfg, err := o.Factory.HubConfig(&o.Hub)
	if err != nil {
		return err
	}
	hub, err := inventory.HubFromConfig(cfg)
	if err != nil {
		return err
	}
	access := inventory.Lookup(hub, o.Name)
	target := execinfo.Target{Cluster: o.Name, Server: access.Server, CAData: access.CAData, TLSServerName: cfg.ServerName}
	if err := execinfo.Check(*o.Request, target); err != nil {
		return err
	}
	status, err := hubCredential(cfg)
	if err != nil {
		return err
	}
	cred := clientauthv1.ExecCredential{TypeMeta: metav1.TypeMeta{APIVersion: o.Request.APIVersion, Kind: execinfo.Kind}, Status: status}
	enc := json.NewEncoder(o.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(cred)
}
