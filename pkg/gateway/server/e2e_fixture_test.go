package server_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/gatewaytest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/gatewayapi"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/agentlink"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/server"
	"github.com/kubectl-import/kubectl-import/pkg/gateway/tunnel"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Identities of the end-to-end environment.
const (
	gatewayUser      = "system:serviceaccount:" + v1alpha1.HubNamespace + ":kimport-gateway"
	impersonatorNS   = "cattle-system"
	impersonatorName = "kimport-impersonator"
	impersonator     = "system:serviceaccount:" + impersonatorNS + ":" + impersonatorName
	consumerNS       = "consumers"
	// hubRequestTimeout is the hub API server's --request-timeout: a tunnel must outlive it.
	hubRequestTimeout = 10 * time.Second
)

// env is a real hub (aggregation layer on) with the gateway served in-process behind an
// APIService, and a real downstream "edge" reachable only by its agent (in-process too),
// whose audit log says who asked what.
type env struct {
	hub, edge *testenv.Cluster
	tunnels   *tunnel.Registry
	// impersonatorToken is the downstream credential the in-process agent uses.
	impersonatorToken string
	// minterToken is the credential the direct-mode record stores: it may only request the
	// impersonator's tokens, as the import agent's does.
	minterToken string
	log         logr.Logger
	// gatewayAddr is where the gateway listens (the APIService's backend).
	gatewayAddr string
	gatewayCA   []byte
}

// clusterMembers are the members of every cluster in env.
func clusterMembers() []v1alpha1.Member {
	return []v1alpha1.Member{
		{Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleMember},
		{Kind: v1alpha1.MemberGroup, Name: "sre", Role: v1alpha1.RoleOwner},
		{Kind: v1alpha1.MemberGroup, Name: "dev", Role: v1alpha1.RoleMember},
		{Kind: v1alpha1.MemberUser, Name: "system:serviceaccount:" + consumerNS + ":reader", Role: v1alpha1.RoleMember},
	}
}

// startEnv starts env, the downstream at Kubernetes version (the hub's when empty); the
// gateway and agents log to log.
func startEnv(t testing.TB, log logr.Logger, version string) *env {
	t.Helper()
	testenv.SkipShort(t)
	ctrllog.SetLogger(logr.Discard())
	cs := testenv.StartAll(t,
		testenv.Options{Name: "hub", HubCRDs: true, APIServerFlags: map[string]string{"request-timeout": hubRequestTimeout.String()}},
		testenv.Options{Name: "edge", Audit: true, Version: version})
	e := &env{hub: cs[0], edge: cs[1], log: log}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e.setUpDownstream(t)
	e.createClusters(t)
	e.startGateway(t, ctx)
	e.registerAPIService(t)
	e.startAgent(t, ctx, "edge", e.edge.Config.Host, e.edge.Config.CAData)
	return e
}

// setUpDownstream gives the impersonator exactly the member subjects to impersonate, and
// binds the members as the synchronisation does (hub ServiceAccounts under their gateway name).
func (e *env) setUpDownstream(t testing.TB) {
	t.Helper()
	e.impersonatorToken, _ = e.edge.ServiceAccountToken(t, impersonatorNS, impersonatorName)
	e.minterToken, _ = e.edge.ServiceAccountToken(t, impersonatorNS, v1alpha1.AgentServiceAccount)
	c := e.edge.Client
	create(t, c, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "mint", Namespace: impersonatorNS}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"}, Verbs: []string{"create"}, ResourceNames: []string{impersonatorName}}}})
	create(t, c, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "mint", Namespace: impersonatorNS},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "mint"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: v1alpha1.AgentServiceAccount, Namespace: impersonatorNS}}})
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"},
			ResourceNames: []string{"alice", gatewayapi.HubServiceAccountPrefix + "system:serviceaccount:" + consumerNS + ":reader", gatewayapi.GroupMemberUser}},
		{APIGroups: []string{""}, Resources: []string{"groups"}, Verbs: []string{"impersonate"}, ResourceNames: []string{"sre", "dev"}},
		{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"userextras/" + gatewayapi.HubUserExtra}, Verbs: []string{"impersonate"}},
	}
	create(t, c, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: impersonatorName}, Rules: rules})
	bind(t, c, impersonatorName, impersonatorName, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: impersonatorName, Namespace: impersonatorNS})
	// cluster-member: what view grants of namespaces (the test clusters do not run the
	// controller that aggregates view's rules); cluster-owner: cluster-admin.
	create(t, c, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "member-view"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}}}})
	bind(t, c, "member-alice", "member-view", user("alice"))
	bind(t, c, "member-sre", "cluster-admin", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "sre"})
	bind(t, c, "member-dev", "member-view", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "dev"})
	bind(t, c, "member-reader", "member-view", user(gatewayapi.HubServiceAccountPrefix+"system:serviceaccount:"+consumerNS+":reader"))
	create(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "edge-only"}})
}

// createClusters records edge (agent mode), edge-direct (direct mode, the same API server
// with a credential that may request the impersonator's tokens stored) and echo (agent mode,
// an upgrade endpoint).
func (e *env) createClusters(t testing.TB) {
	t.Helper()
	for i, name := range []string{"edge", "edge-direct", "echo"} {
		id := fmt.Sprintf("3f1c2a9e-0000-4000-8000-00000000000%d", i)
		ic := &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1alpha1.ClusterIDLabel: id}}, Spec: v1alpha1.ImportedClusterSpec{
			ClusterID: id, APIServer: e.edge.Config.Host,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)},
			Mode:                 v1alpha1.ModeAgent, Members: clusterMembers(),
		}}
		if name == "edge-direct" {
			ic.Spec.Mode = v1alpha1.ModeDirect
			create(t, e.hub.Client, hubcreds.Secret(name, hubcreds.Credentials{Server: e.edge.Config.Host, CAData: e.edge.Config.CAData, Token: e.minterToken}))
		}
		create(t, e.hub.Client, ic)
	}
}

// startGateway runs the gateway as its own hub identity, with the rights it needs: read the
// front proxy's configuration, create SubjectAccessReviews, read ImportedClusters and the
// credentials Secrets.
func (e *env) startGateway(t testing.TB, ctx context.Context) {
	t.Helper()
	c := e.hub.Client
	create(t, c, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "kimport-gateway-auth", Namespace: "kube-system"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "extension-apiserver-authentication-reader"},
		Subjects: []rbacv1.Subject{user(gatewayUser)}})
	bind(t, c, "kimport-gateway-delegator", "system:auth-delegator", user(gatewayUser))
	create(t, c, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "kimport-gateway"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{v1alpha1.GroupVersion.Group}, Resources: []string{"importedclusters"}, Verbs: []string{"get", "list", "watch"}}}})
	bind(t, c, "kimport-gateway", "kimport-gateway", user(gatewayUser))
	create(t, c, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "kimport-gateway", Namespace: v1alpha1.HubNamespace}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}}}})
	create(t, c, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "kimport-gateway", Namespace: v1alpha1.HubNamespace},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "kimport-gateway"}, Subjects: []rbacv1.Subject{user(gatewayUser)}})
	// What init ships: every authenticated user may use the proxy; membership decides.
	create(t, c, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "kimport-gateway-proxy"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{gatewayapi.Group}, Resources: []string{gatewayapi.Resource + "/" + gatewayapi.ProxySubresource},
			Verbs: []string{"get", "create", "update", "patch", "delete"}}}})
	bind(t, c, "kimport-gateway-proxy", "kimport-gateway-proxy", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:authenticated"})

	cfg, _ := e.hub.AddUser(t, gatewayUser, []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.HubNamespace})
	cs := kubernetes.NewForConfigOrDie(cfg)
	fp, err := server.NewFrontProxy(cs)
	if err != nil {
		t.Fatal(err)
	}
	// The hub API server publishes its front proxy's configuration shortly after it starts.
	if err := fp.Start(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	authz, err := server.NewAuthorizer(cs)
	if err != nil {
		t.Fatal(err)
	}
	informers, err := cache.New(cfg, cache.Options{Scheme: scheme.Scheme, ByObject: map[client.Object]cache.ByObject{
		&corev1.Secret{}: {Namespaces: map[string]cache.Config{v1alpha1.HubNamespace: {}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []client.Object{&v1alpha1.ImportedCluster{}, &corev1.Secret{}} {
		if _, err := informers.GetInformer(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _ = informers.Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		t.Fatal("the gateway's cache did not sync")
	}
	e.tunnels = tunnel.NewRegistry(nil)
	t.Cleanup(e.tunnels.Close)
	gw := server.New(server.Options{
		Clusters: informers, Authenticator: fp, FrontProxyHeaders: fp.Headers, Authorizer: authz,
		Tunnels: e.tunnels, Direct: &server.Direct{Secrets: informers, UserAgent: "kimport-gateway"}, Log: e.log,
	})
	ca, err := testenv.NewCA("gateway-ca")
	if err != nil {
		t.Fatal(err)
	}
	// The aggregator verifies the Service's name (NAME.NAMESPACE.svc), even for an
	// ExternalName Service.
	cert, err := ca.IssueTLS("kimport-gateway", "kimport-gateway."+v1alpha1.HubNamespace+".svc", "localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	e.gatewayCA = ca.PEM
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.gatewayAddr = ln.Addr().String()
	done := make(chan error, 1)
	serveCtx, stop := context.WithCancel(ctx)
	go func() {
		done <- server.Serve(serveCtx, ln, gw, server.APITLS(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }), e.log)
	}()
	t.Cleanup(func() {
		stop()
		e.tunnels.Close()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
}

// registerAPIService points gateway.kimport.dev/v1alpha1 at the gateway through an
// ExternalName Service (localhost), its CA pinned, and waits until the hub marks it Available.
func (e *env) registerAPIService(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(e.gatewayAddr)
	var p int
	fmt.Sscan(port, &p)
	create(t, e.hub.Client, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kimport-gateway", Namespace: v1alpha1.HubNamespace},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost", Ports: []corev1.ServicePort{{Port: int32(p)}}}})
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": gatewayapi.APIServiceName},
		"spec": map[string]any{
			"group": gatewayapi.Group, "version": gatewayapi.Version,
			"service":  map[string]any{"namespace": v1alpha1.HubNamespace, "name": "kimport-gateway", "port": int64(p)},
			"caBundle": base64.StdEncoding.EncodeToString(e.gatewayCA), "groupPriorityMinimum": int64(1000), "versionPriority": int64(15),
		},
	}}
	create(t, e.hub.Client, svc)
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(svc.GroupVersionKind())
		if err := e.hub.Client.Get(ctx, client.ObjectKey{Name: gatewayapi.APIServiceName}, got); err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Available" {
				last = fmt.Sprintf("%v: %v", m["reason"], m["message"])
				return m["status"] == "True", nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("APIService %s not Available (%s): %v", gatewayapi.APIServiceName, last, err)
	}
}

// startAgent runs cluster's agent (its own hub ServiceAccount, allowed to attach to cluster
// only) forwarding to the API server at host as the impersonator, and waits for its tunnel.
func (e *env) startAgent(t testing.TB, ctx context.Context, cluster, host string, caData []byte) {
	t.Helper()
	hubCfg := e.agentIdentity(t, v1alpha1.AgentName(cluster), cluster)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = agentlink.Run(ctx, agentlink.Options{Cluster: cluster, Hub: hubCfg, Log: e.log,
			Downstream: &rest.Config{Host: host, BearerToken: e.impersonatorToken, TLSClientConfig: rest.TLSClientConfig{CAData: caData}}})
	}()
	t.Cleanup(func() { cancel(); <-done })
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		_, ok := e.tunnels.Since(cluster)
		return ok, nil
	})
	if err != nil {
		t.Fatalf("the agent of %s did not attach: %v", cluster, err)
	}
}

// agentIdentity is hub ServiceAccount kimport-system/name, allowed by hub RBAC to attach
// to cluster (the right the import gives an agent for its own cluster).
func (e *env) agentIdentity(t testing.TB, name, cluster string) *rest.Config {
	t.Helper()
	_, cfg := e.hub.ServiceAccountToken(t, v1alpha1.HubNamespace, name)
	role := name + "-attach-" + cluster
	create(t, e.hub.Client, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: role}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{gatewayapi.Group}, Resources: []string{gatewayapi.Resource + "/" + gatewayapi.AttachSubresource},
			ResourceNames: []string{cluster}, Verbs: []string{"get"}}}})
	bind(t, e.hub.Client, role, role, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: v1alpha1.HubNamespace})
	return cfg
}

// startEcho runs an upgrade endpoint as the echo cluster's downstream, with its agent.
func (e *env) startEcho(t testing.TB) {
	t.Helper()
	srv := httptest.NewTLSServer(gatewaytest.UpgradeEcho())
	t.Cleanup(srv.Close)
	e.startAgent(t, context.Background(), "echo", srv.URL, testenv.PEM(srv.Certificate()))
}

// proxyConfig reaches cluster through the hub's gateway with cfg's credentials.
func proxyConfig(cfg *rest.Config, cluster string) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Host += gatewayapi.ProxyPath(cluster)
	return cfg
}

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func create(t testing.TB, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func bind(t testing.TB, c client.Client, name, role string, subject rbacv1.Subject) {
	t.Helper()
	create(t, c, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}, Subjects: []rbacv1.Subject{subject}})
}
