package admission

import (
	"context"
	"net/http"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// Webhook is the admission webhook of a hub component: its validator and the cache the
// validator reads.
type Webhook struct {
	index   cache.Cache
	handler http.Handler
}

// New builds the webhook on mgr and adds its cache to mgr (it starts with mgr); statusWriters
// may write status. Serve it with Register once the serving certificate exists.
func New(ctx context.Context, mgr ctrl.Manager, statusWriters []string) (*Webhook, error) {
	index, err := newIndex(ctx, mgr.GetConfig(), mgr.GetRESTMapper())
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(index); err != nil {
		return nil, err
	}
	// The informer starts with the cache, not at the first duplicate check.
	if _, err := index.GetInformer(ctx, metadataOf()); err != nil {
		return nil, err
	}
	v := &ImportedClusterValidator{Index: index, Live: mgr.GetAPIReader(), StatusWriters: statusWriters, Authorizer: mgr.GetClient()}
	return &Webhook{index: index, handler: handler{v: v, log: mgr.GetLogger().WithName("admission")}}, nil
}

// Register serves the webhook at Path on server (controller-runtime counts its requests and
// latency there, as controller_runtime_webhook_*).
func (w *Webhook) Register(server webhook.Server) { server.Register(Path, w.handler) }

// Synced reports whether the cache holds every ImportedCluster yet, waiting until ctx ends.
func (w *Webhook) Synced(ctx context.Context) bool { return w.index.WaitForCacheSync(ctx) }
