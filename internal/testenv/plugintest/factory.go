package plugintest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Factory is the real factory but for what a test sets: the hub's configuration and the one
// the kubectl flags choose (nil: from the flags), the client of each API server host (none:
// a real one) and the clock (nil: the real one).
type Factory struct {
	Hub, Kube *rest.Config
	Clients   map[string]client.Client
	Clock     func() time.Time
}

// Factory is f as a common.Factory.
func (f Factory) Factory() common.Factory { return fake{Factory: common.NewFactory(), f: f} }

type fake struct {
	common.Factory
	f Factory
}

func (x fake) HubConfig(hub *common.HubOptions) (*rest.Config, error) {
	if x.f.Hub != nil {
		return rest.CopyConfig(x.f.Hub), nil
	}
	return x.Factory.HubConfig(hub)
}

func (x fake) KubeConfig(flags genericclioptions.RESTClientGetter) (*rest.Config, error) {
	if x.f.Kube != nil {
		return rest.CopyConfig(x.f.Kube), nil
	}
	return x.Factory.KubeConfig(flags)
}

func (x fake) Client(cfg *rest.Config) (client.Client, error) {
	if c, ok := x.f.Clients[cfg.Host]; ok {
		return c, nil
	}
	return x.Factory.Client(cfg)
}

func (x fake) Now() time.Time {
	if x.f.Clock != nil {
		return x.f.Clock()
	}
	return x.Factory.Now()
}

// FailAfter is the real factory, but an import run with it stops with an error right after
// its step named step: an interrupted import, to prove that running it again converges.
func FailAfter(step string) common.Factory {
	return failAfter{Factory: common.NewFactory(), step: step}
}

type failAfter struct {
	common.Factory
	step string
}

func (f failAfter) RunSteps(ctx context.Context, out io.Writer, steps []importer.Step) error {
	steps = slices.Clone(steps)
	for i, s := range steps {
		if s.Name == f.step {
			steps[i].Run = func(ctx context.Context) error {
				if err := s.Run(ctx); err != nil {
					return err
				}
				return fmt.Errorf("fault injected after step %s", s.Name)
			}
		}
	}
	return f.Factory.RunSteps(ctx, out, steps)
}

// Raced is the real factory but for its client of hub, which, the first time a command
// reads an ImportedCluster, writes meanwhile's change of it before handing it over: the
// command's write is then stale, and must be retried on the fresh object. raced says whether
// that happened.
func Raced(hub *rest.Config, meanwhile func(*v1alpha1.ImportedCluster)) (f common.Factory, raced func() bool, err error) {
	base, err := client.NewWithWatch(hub, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return nil, nil, err
	}
	done := false
	c := interceptor.NewClient(base, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := c.Get(ctx, key, obj, opts...); err != nil || done {
				return err
			}
			ic, ok := obj.(*v1alpha1.ImportedCluster)
			if !ok {
				return nil
			}
			done = true
			other := ic.DeepCopy()
			meanwhile(other)
			return c.Update(ctx, other)
		},
	})
	return Factory{Clients: map[string]client.Client{hub.Host: c}}.Factory(), func() bool { return done }, nil
}
