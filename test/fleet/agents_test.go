package fleet

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	versionpkg "k8s.io/apimachinery/pkg/version"
	"k8s.io/apimachinery/pkg/watch"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/clustersync"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/agentlink"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

// downstreamVersion is what every simulated downstream reports.
const downstreamVersion = "v1.37.2"

// registerAgentCluster does in the hub what `kubectl import cluster NAME --mode Agent` does
// there: claim the clusterID (Lease), create the ImportedCluster, and apply the agent's hub
// identity (pkg/agent HubIdentity: ServiceAccount, RBAC, heartbeat Lease, bootstrap Secret)
// owned by it. Instead of a bootstrap token that the agent exchanges, it requests the agent's
// own one-hour token directly (as the admin), and returns it.
func registerAgentCluster(ctx context.Context, admin client.Client, name, clusterID string) (string, error) {
	req := importer.Request{Name: name, ClusterID: clusterID, APIServer: "https://" + name + ".fleet.example:6443", Mode: v1alpha1.ModeAgent}
	if err := admin.Create(ctx, req.IdentityClaim()); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("claiming %s: %w", clusterID, err)
	}
	ic, err := importer.Register(ctx, admin, req, "", io.Discard)
	if err != nil {
		return "", fmt.Errorf("registering %s: %w", name, err)
	}
	if _, err := importer.ApplyAgentIdentity(ctx, admin, ic, io.Discard); err != nil {
		return "", fmt.Errorf("the hub identity of %s: %w", name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.AgentName(name)}}
	tr := agent.TokenRequest(agent.HubTokenLifetime)
	if err := admin.SubResource("token").Create(ctx, sa, tr); err != nil {
		return "", fmt.Errorf("a token for %s: %w", sa.Name, err)
	}
	return tr.Status.Token, nil
}

// simAgent is one simulated kimport-agent: its own hub connection and identity, its tunnel to
// the hub gateway (pkg/gateway/agentlink, as the agent holds it; nothing is ever sent through
// it here), the heartbeat loop of pkg/agentrun (which renews only while the tunnel is down), a
// list+watch of its own ImportedCluster (as the agent's cache does), and every sync interval
// clustersync.Sync against its simulated downstream and agentrun.Report of the result, as the
// agent's reconciler does.
type simAgent struct {
	name     string
	cancel   context.CancelFunc
	done     sync.WaitGroup
	http     *http.Client
	mu       sync.Mutex
	latest   *v1alpha1.ImportedCluster
	ready    chan struct{}
	once     sync.Once
	failures int
}

type agentParams struct {
	host   string
	caData []byte
	mapper meta.RESTMapper
	sync   time.Duration
}

func startAgent(parent context.Context, p agentParams, name, clusterID, token string) (*simAgent, error) {
	cfg := &rest.Config{
		Host: p.host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: p.caData},
		UserAgent: "kimport-agent/" + version.Version, QPS: 20, Burst: 40,
		// Each agent is its own process in reality: its own transport and connection (a Proxy
		// function keeps client-go from sharing one transport between same-CA configs).
		Proxy: http.ProxyFromEnvironment,
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	leases, err := coordinationv1client.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, err
	}
	hub, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme.Scheme, Mapper: p.mapper, HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	ds := simulatedDownstream(clusterID)
	ctx, cancel := context.WithCancel(parent)
	a := &simAgent{name: name, cancel: cancel, http: hc, ready: make(chan struct{})}
	link := &agentrun.Link{}
	a.done.Add(4)
	go func() {
		defer a.done.Done()
		// The simulated downstream is in memory: the gateway's requests would go nowhere, and
		// none is sent.
		_ = agentlink.Run(ctx, agentlink.Options{Cluster: name, Hub: cfg, Downstream: &rest.Config{Host: "https://127.0.0.1:1"}, OnSession: link.Set, Log: logr.Discard()})
	}()
	go func() { defer a.done.Done(); _ = agentrun.Heartbeat(ctx, leases, name, link) }()
	go func() { defer a.done.Done(); a.watch(ctx, hub) }()
	go func() { defer a.done.Done(); a.syncLoop(ctx, hub, ds, p.sync) }()
	return a, nil
}

// stop ends the agent as a stopped process would: its loops end and its connection closes.
func (a *simAgent) stop() {
	a.cancel()
	a.done.Wait()
	a.http.CloseIdleConnections()
}

func (a *simAgent) set(ic *v1alpha1.ImportedCluster) {
	a.mu.Lock()
	a.latest = ic
	a.mu.Unlock()
	a.once.Do(func() { close(a.ready) })
}

func (a *simAgent) get() *v1alpha1.ImportedCluster {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.latest.DeepCopy()
}

// watch keeps the latest ImportedCluster of the agent, listed and watched by name (RBAC
// allows list and watch with the field selector metadata.name only).
func (a *simAgent) watch(ctx context.Context, hub client.WithWatch) {
	byName := client.MatchingFields{"metadata.name": a.name}
	// As client-go's reflector: retries back off, jittered, so agents failing together do not
	// retry together.
	fresh := wait.Backoff{Duration: 800 * time.Millisecond, Factor: 2, Jitter: 1, Steps: 8, Cap: 30 * time.Second}
	backoff := fresh
	for ctx.Err() == nil {
		var list v1alpha1.ImportedClusterList
		if err := hub.List(ctx, &list, byName); err != nil || len(list.Items) == 0 {
			a.mu.Lock()
			a.failures++
			a.mu.Unlock()
			sleep(ctx, backoff.Step())
			continue
		}
		a.set(&list.Items[0])
		w, err := hub.Watch(ctx, &v1alpha1.ImportedClusterList{}, byName, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err != nil {
			sleep(ctx, backoff.Step())
			continue
		}
		backoff = fresh
		for ev := range w.ResultChan() {
			if ic, ok := ev.Object.(*v1alpha1.ImportedCluster); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				a.set(ic)
			}
		}
		w.Stop()
	}
}

func (a *simAgent) syncLoop(ctx context.Context, hub client.Client, ds clustersync.Downstream, interval time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-a.ready:
	}
	events := &record.FakeRecorder{} // the agent logs what it would announce; nothing here
	// As the agent's reconciler: a failed report is retried after a jittered, doubling wait
	// (from 1 s), a sync follows the last after the interval shortened by up to a fifth.
	fresh := wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 1, Steps: 9, Cap: 5 * time.Minute}
	retry := fresh
	for {
		ic := a.get()
		observed := ic.DeepCopy()
		clustersync.Sync(ctx, ds, observed, events)
		observed.Status.Agent = &v1alpha1.AgentStatus{Version: version.Version}
		next := interval - time.Duration(rand.Float64()*float64(interval)/5)
		if err := agentrun.Report(ctx, hub, hub, ic, &observed.Status); err == nil {
			a.set(ic)
			clustersync.ShowPhase(ctx, ds, ic)
			retry = fresh
		} else if ctx.Err() == nil {
			a.mu.Lock()
			a.failures++
			a.mu.Unlock()
			next = retry.Step() / 2 // Jitter 1 draws within [d, 2d]: halved, within [d/2, d]
		}
		ds.Client.(*fake.Clientset).ClearActions() // the fake records every call otherwise
		if !sleep(ctx, next) {
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// simulatedDownstream is the downstream of one simulated cluster, in memory: a fake
// clientset (k8s.io/client-go/kubernetes/fake) holding 3 Ready nodes (1 control plane, 2
// workers), the namespaces default, kube-system (its UID is the clusterID), kube-public and
// cattle-system, and the registration marker ConfigMap; its discovery reports v1.37.2.
// clustersync.Sync probes it, labels its namespaces with their projects, applies (no)
// members and writes the phase into the marker, exactly as against a real API server.
func simulatedDownstream(clusterID string) clustersync.Downstream {
	objs := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: metav1.NamespaceSystem, UID: types.UID(clusterID)}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-public"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}},
	}
	for _, n := range simNodes() {
		objs = append(objs, &n)
	}
	cs := fake.NewSimpleClientset(objs...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &versionpkg.Info{Major: "1", Minor: "37", GitVersion: downstreamVersion}
	return clustersync.Downstream{Client: cs, Where: "from inside the cluster (simulated)", As: "by kimport-agent", Timeout: agentrun.DefaultProbeTimeout}
}

// simNodes are the nodes of every simulated downstream.
func simNodes() []corev1.Node {
	node := func(name string, controlPlane bool) corev1.Node {
		n := corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/os": "linux"}},
			Status: corev1.NodeStatus{
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
				NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: downstreamVersion, OperatingSystem: "linux", Architecture: "amd64"},
			},
		}
		if controlPlane {
			n.Labels[v1alpha1.NodeRoleControlPlane] = "true"
		}
		return n
	}
	return []corev1.Node{node("cp-0", true), node("worker-0", false), node("worker-1", false)}
}

// reportAgents prints how many simulated agents met errors (failed lists or reports).
func (r *row) reportAgents(agents []*simAgent) {
	failing, failures := 0, 0
	for _, a := range agents {
		a.mu.Lock()
		if a.failures > 0 {
			failing++
			failures += a.failures
		}
		a.mu.Unlock()
	}
	fmt.Printf("agent-%d: %d agents met %d failed lists or status reports so far\n", r.n, failing, failures)
}
