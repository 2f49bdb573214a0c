package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/execinfo"
	"github.com/kubectl-import/kubectl-import/pkg/inventory"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/record"
)

// ExecInfoEnv is where client-go passes an exec plugin its ExecCredential request.
const ExecInfoEnv = execinfo.Env

// Bounds and default of --expiration: the API server issues no token shorter than 10 minutes.
const (
	MinExpiration     = 10 * time.Minute
	MaxExpiration     = 24 * time.Hour
	DefaultExpiration = MinExpiration
)

// Options of `kubectl import credentials [NAME]`.
type Options struct {
	common.RecordOptions
	Expiration time.Duration

	// Request is the exec request client-go passed ($KUBERNETES_EXEC_INFO); nil when the
	// command runs by hand, and then the token is printed for the user who asked for it.
	Request *execinfo.Request
}

// NewOptions has the defaults.
func NewOptions(f common.Factory, streams genericiooptions.IOStreams) *Options {
	return &Options{RecordOptions: common.NewRecordOptions(f, streams), Expiration: DefaultExpiration}
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

// Validate checks NAME and --expiration, and that an exec request names its cluster.
func (o *Options) Validate() error {
	if o.Name == "" {
		return errors.New("no cluster named: run 'kubectl import credentials NAME', or as an exec plugin with provideClusterInfo and the cluster's exec extension (its ClusterProfile's access provider)")
	}
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return fmt.Errorf("invalid NAME %q: %s", o.Name, errs[0])
	}
	if o.Expiration < MinExpiration || o.Expiration > MaxExpiration {
		return fmt.Errorf("invalid --expiration %s: must be within %s and %s", o.Expiration, MinExpiration, MaxExpiration)
	}
	if o.Request != nil && o.Request.Cluster == nil {
		// Refused before the hub is asked anything: the request says nothing to check.
		return execinfo.Check(*o.Request, execinfo.Target{Cluster: o.Name})
	}
	return nil
}

// Run requests a token of the import agent through the hub's stored credentials and prints
// it as an ExecCredential; run as an exec plugin, only once the request proved to send it to
// the server and CA the hub records for the cluster. Only the new token is printed.
func (o *Options) Run(ctx context.Context) error {
	hub, ic, err := o.Record(ctx)
	if err != nil {
		return err
	}
	if ic.Spec.AgentMode() {
		return fmt.Errorf("importedcluster %q is in agent mode: the hub holds no credential of it and no route to it, so no token can be issued through the hub; reach it with your own kubeconfig", o.Name)
	}
	cfg, err := record.Downstream(ctx, hub, ic, nil)
	if err != nil {
		return err
	}
	if err := o.checkTarget(ctx, hub, ic); err != nil {
		return err
	}
	cs, err := o.Factory.Clientset(cfg)
	if err != nil {
		return err
	}
	tr, err := cs.CoreV1().ServiceAccounts(v1alpha1.AgentNamespace).CreateToken(ctx, v1alpha1.AgentServiceAccount, agent.TokenRequest(o.Expiration), metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("requesting a token of %s/%s from %q at %s: %w (if the stored credentials expired, the hub renews them; check 'kubectl import describe %s')",
			v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount, o.Name, cfg.Host, err, o.Name)
	}
	expires := tr.Status.ExpirationTimestamp
	cred := clientauthv1.ExecCredential{
		TypeMeta: metav1.TypeMeta{APIVersion: o.apiVersion(), Kind: execinfo.Kind},
		Status:   &clientauthv1.ExecCredentialStatus{Token: tr.Status.Token, ExpirationTimestamp: &expires},
	}
	enc := json.NewEncoder(o.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(cred)
}

// checkTarget refuses an exec request that would send the token anywhere but where the hub
// records the cluster (inventory.Lookup, what its ClusterProfile publishes).
func (o *Options) checkTarget(ctx context.Context, hub client.Reader, ic *v1alpha1.ImportedCluster) error {
	if o.Request == nil {
		return nil
	}
	access, err := inventory.Lookup(ctx, hub, ic)
	if err != nil {
		return err
	}
	return execinfo.Check(*o.Request, execinfo.Target{Cluster: ic.Name, Server: access.Server, CAData: access.CAData})
}

// apiVersion answers in the version of the request (client-go refuses another), v1 by hand.
func (o *Options) apiVersion() string {
	if o.Request != nil {
		return o.Request.APIVersion
	}
	return clientauthv1.SchemeGroupVersion.String()
}
