package common

import (
	"context"
	"io"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// Factory is where a verb gets its clients, for the clusters its flags chose, how it runs an
// import's steps and what time it is, as kubectl's cmdutil.Factory is for kubectl's commands:
// the command tree is built with NewFactory, and whoever builds it otherwise gives its own,
// e.g. fake clients, a step runner that stops between two steps, or a fixed clock.
type Factory interface {
	// HubConfig is the client configuration of the hub that hub chooses.
	HubConfig(hub *HubOptions) (*rest.Config, error)
	// KubeConfig is the client configuration the kubectl flags choose (--kubeconfig,
	// --context, ...): the downstream of an import, the hub of `init`.
	KubeConfig(flags genericclioptions.RESTClientGetter) (*rest.Config, error)
	// Client, Clientset and Dynamic are clients of cfg; nothing is contacted yet.
	Client(cfg *rest.Config) (client.Client, error)
	Clientset(cfg *rest.Config) (kubernetes.Interface, error)
	Dynamic(cfg *rest.Config) (dynamic.Interface, error)
	// RunSteps runs an import's steps in order (importer.RunSteps).
	RunSteps(ctx context.Context, out io.Writer, steps []importer.Step) error
	// Now is the time ages and expiries are counted from.
	Now() time.Time
}

// NewFactory reads kubeconfigs, makes real clients, runs every step and tells the time.
func NewFactory() Factory { return factory{} }

type factory struct{}

func (factory) HubConfig(hub *HubOptions) (*rest.Config, error) { return hub.RESTConfig() }

func (factory) KubeConfig(flags genericclioptions.RESTClientGetter) (*rest.Config, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = v1alpha1.UserAgent
	return cfg, nil
}

func (factory) Client(cfg *rest.Config) (client.Client, error) {
	return client.New(cfg, client.Options{Scheme: scheme.Scheme})
}

func (factory) Clientset(cfg *rest.Config) (kubernetes.Interface, error) {
	return kubernetes.NewForConfig(cfg)
}

func (factory) Dynamic(cfg *rest.Config) (dynamic.Interface, error) { return dynamic.NewForConfig(cfg) }

func (factory) RunSteps(ctx context.Context, out io.Writer, steps []importer.Step) error {
	return importer.RunSteps(ctx, out, steps)
}

func (factory) Now() time.Time { return time.Now() }

// Connect is the cluster of cfg with a client from f.
func Connect(f Factory, cfg *rest.Config) (*importer.Cluster, error) {
	c, err := f.Client(cfg)
	if err != nil {
		return nil, err
	}
	return &importer.Cluster{Config: cfg, Client: c}, nil
}

// ConnectHub is the hub that hub chooses, with a client from f.
func ConnectHub(f Factory, hub *HubOptions) (*importer.Cluster, error) {
	cfg, err := f.HubConfig(hub)
	if err != nil {
		return nil, err
	}
	return Connect(f, cfg)
}
