package agentrun

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/dsclient"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/agentlink"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Run runs the agent against the downstream dsCfg until ctx ends or the cluster is
// disconnected (then it returns nil).
func Run(ctx context.Context, dsCfg *rest.Config, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	logger := log.FromContext(ctx).WithName(v1alpha1.AgentComponent)
	ctx = log.IntoContext(ctx, logger)
	// The gateway's requests reach the downstream as the impersonator, whose tokens the
	// agent's own credential only requests.
	impersonator, err := dsclient.Impersonator(dsCfg, dsclient.Gateway(v1alpha1.AgentComponent))
	if err != nil {
		return err
	}
	dsCfg = dsclient.Config(dsCfg, dsclient.Agent)
	ds, err := clustersync.Connect(dsCfg, "from inside the cluster", "by kimport-agent", o.ProbeTimeout)
	if err != nil {
		return err
	}
	cred, err := credential(ctx, ds.Client, o)
	if err != nil {
		return err
	}
	if err := cred.exchange(ctx, o.TokenLifetime); err != nil {
		return err
	}
	logger.Info("connected to the hub with the agent's own token", "hub", cred.server, "cluster", cred.cluster)

	ctx, disconnected := context.WithCancel(ctx)
	defer disconnected()
	hubCfg := cred.config()
	mgr, err := ctrl.NewManager(hubCfg, ctrl.Options{
		Scheme: scheme.Scheme,
		// Only its own ImportedCluster: RBAC lets the agent list and watch it by name alone.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&v1alpha1.ImportedCluster{}: {Field: fields.OneTermEqualSelector("metadata.name", cred.cluster)},
		}},
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:        o.ProbeAddr,
		LeaderElection:                o.LeaderElect,
		LeaderElectionConfig:          dsCfg, // replicas elect in their own cluster
		LeaderElectionID:              v1alpha1.AgentLeaderElection,
		LeaderElectionNamespace:       v1alpha1.AgentNamespace,
		LeaderElectionReleaseOnCancel: true,
		Controller:                    config.Controller{SkipNameValidation: &o.SkipControllerNameValidation},
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	hubCS, err := kubernetes.NewForConfig(hubCfg)
	if err != nil {
		return err
	}
	r := &reconciler{hub: mgr.GetClient(), fresh: mgr.GetAPIReader(), ds: ds, events: logEvents{logger.WithName("events")}, opts: o, cluster: cred.cluster, done: disconnected}
	err = ctrl.NewControllerManagedBy(mgr).Named(v1alpha1.AgentComponent).
		WithOptions(crcontroller.TypedOptions[reconcile.Request]{RateLimiter: newRetryLimiter()}).
		For(&v1alpha1.ImportedCluster{}, builder.WithPredicates(clustersync.Changed())).
		Complete(r)
	if err != nil {
		return err
	}
	// While its tunnel to the hub gateway is up, the hub knows the agent alive: no renewals.
	link := &Link{}
	for _, run := range []manager.RunnableFunc{
		func(ctx context.Context) error {
			return Heartbeat(ctx, hubCS.CoordinationV1(), cred.cluster, link)
		},
		func(ctx context.Context) error { return cred.keepRenewed(ctx, o.TokenLifetime, o.renewBefore()) },
		// The cluster's tunnel to the hub gateway, dialled with the renewing hub token.
		func(ctx context.Context) error {
			return agentlink.Run(ctx, agentlink.Options{Cluster: cred.cluster, Hub: hubCfg, Downstream: impersonator, OnSession: link.Set, Log: logger.WithName("gateway")})
		},
	} {
		if err := mgr.Add(run); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// credential is the hub credential: from --hub-kubeconfig (development), else from the
// downstream Secret the import wrote.
func credential(ctx context.Context, ds kubernetes.Interface, o Options) (*hubCredential, error) {
	if o.HubKubeconfig == "" {
		return loadCredential(ctx, ds, o.CAChecksum)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", o.HubKubeconfig)
	if err != nil {
		return nil, fmt.Errorf("--hub-kubeconfig %s: %w", o.HubKubeconfig, err)
	}
	if err := agent.ValidateHubServer(cfg.Host); err != nil {
		return nil, fmt.Errorf("--hub-kubeconfig %s: its server %w", o.HubKubeconfig, err)
	}
	claims, _ := hubcreds.UnverifiedClaims(cfg.BearerToken)
	cluster := v1alpha1.AgentCluster(claims.Subject)
	if cluster == "" || len(cfg.CAData) == 0 {
		return nil, fmt.Errorf("--hub-kubeconfig %s must carry a bearer token of serviceaccount %s/%s and the hub CA inline", o.HubKubeconfig, v1alpha1.HubNamespace, v1alpha1.AgentName("<cluster>"))
	}
	if err := checkPin(cfg.CAData, o.CAChecksum); err != nil {
		return nil, err
	}
	return &hubCredential{cluster: cluster, server: cfg.Host, ca: cfg.CAData, token: cfg.BearerToken}, nil
}
