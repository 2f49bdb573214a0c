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
	"k8s.io/client-go/kubernetes"
	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// ExecInfoEnv is where client-go passes an exec plugin its ExecCredential request.
const ExecInfoEnv = "KUBERNETES_EXEC_INFO"

// Bounds and default of --expiration: the API server issues no token shorter than 10 minutes.
const (
	MinExpiration     = 10 * time.Minute
	MaxExpiration     = 24 * time.Hour
	DefaultExpiration = MinExpiration
)

// Options of `kubectl import credentials [NAME]`.
type Options struct {
	Hub        common.HubOptions
	Name       string
	Expiration time.Duration

	genericiooptions.IOStreams

	// getenv reads the environment (tests replace it).
	getenv func(string) string
}

// NewOptions has the defaults.
func NewOptions(streams genericiooptions.IOStreams) *Options {
	return &Options{Expiration: DefaultExpiration, IOStreams: streams, getenv: os.Getenv}
}

// Complete takes NAME, or the clusterName of the exec extension client-go passed in
// $KUBERNETES_EXEC_INFO (provideClusterInfo).
func (o *Options) Complete(args []string) error {
	if len(args) == 1 {
		o.Name = args[0]
		return nil
	}
	info := o.getenv(ExecInfoEnv)
	if info == "" {
		return nil
	}
	var req clientauthv1.ExecCredential
	if err := json.Unmarshal([]byte(info), &req); err != nil {
		return fmt.Errorf("$%s is not an ExecCredential: %w", ExecInfoEnv, err)
	}
	if req.Spec.Cluster != nil && len(req.Spec.Cluster.Config.Raw) > 0 {
		var ext struct {
			ClusterName string `json:"clusterName"`
		}
		if err := json.Unmarshal(req.Spec.Cluster.Config.Raw, &ext); err != nil {
			return fmt.Errorf("$%s: the cluster's exec extension: %w", ExecInfoEnv, err)
		}
		o.Name = ext.ClusterName
	}
	return nil
}

// Validate checks NAME and --expiration.
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
	return nil
}

// Run requests a token of the import agent through the hub's stored credentials and prints
// it as an ExecCredential. Only the new token is printed.
func (o *Options) Run(ctx context.Context) error {
	hub, err := o.Hub.Client()
	if err != nil {
		return err
	}
	ic, err := common.GetImportedCluster(ctx, hub, o.Name)
	if err != nil {
		return err
	}
	if ic.Spec.AgentMode() {
		return fmt.Errorf("importedcluster %q is in agent mode: the hub holds no credential of it and no route to it, so no token can be issued through the hub; reach it with your own kubeconfig", o.Name)
	}
	_, cfg, err := common.DownstreamConfig(ctx, hub, o.Name, nil)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	tr, err := cs.CoreV1().ServiceAccounts(agent.Namespace).CreateToken(ctx, agent.ServiceAccount, agent.TokenRequest(o.Expiration), metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("requesting a token of %s/%s from %q at %s: %w (if the stored credentials expired, the hub renews them; check 'kubectl import describe %s')",
			agent.Namespace, agent.ServiceAccount, o.Name, cfg.Host, err, o.Name)
	}
	expires := tr.Status.ExpirationTimestamp
	cred := clientauthv1.ExecCredential{
		TypeMeta: metav1.TypeMeta{APIVersion: clientauthv1.SchemeGroupVersion.String(), Kind: "ExecCredential"},
		Status:   &clientauthv1.ExecCredentialStatus{Token: tr.Status.Token, ExpirationTimestamp: &expires},
	}
	enc := json.NewEncoder(o.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(cred)
}
