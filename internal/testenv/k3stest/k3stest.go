// Package k3stest sets up, for the K3s verbs' tests, one real cluster that is both the hub
// and a K3s downstream (the design allows them to be the same): the hub CRDs, the Plan CRD,
// the nodes of a 3-server, 5-agent K3s cluster, the import's agent with its least-privilege
// RBAC, and an ImportedCluster whose stored credentials are the agent's token. The verbs that
// read the downstream take Local: the downstream's kubeconfig as the import agent, so they act
// with the agent's fenced rights (the path through the hub's gateway, as a member, is
// test/e2e/access's).
package k3stest

import (
	"context"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
)

// Name is the ImportedCluster's name; Version the K3s version its nodes run, the one its API
// server reports (testenv.DefaultHubVersion as K3s).
const (
	Name    = "k3s-prod"
	Version = "v1.37.2+k3s1"
)

// Start starts the cluster and registers the import; everything stops when the test ends.
func Start(t testing.TB) *testenv.Cluster {
	t.Helper()
	c := testenv.Start(t, testenv.Options{Name: "k3s", K3s: true, HubCRDs: true, PlanCRD: true})
	ctx := context.Background()
	if err := testenv.CreateK3sNodes(ctx, c.Client, 3, 5, Version); err != nil {
		t.Fatal(err)
	}
	token := installAgent(t, c.Client)
	ic := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: Name},
		Spec: v1alpha1.ImportedClusterSpec{ClusterID: kubeSystemUID(t, c.Client), APIServer: c.Config.Host,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(Name)}},
		Status: v1alpha1.ImportedClusterStatus{Phase: v1alpha1.PhaseActive, Distribution: v1alpha1.DistK3s, KubernetesVersion: Version,
			Nodes: &v1alpha1.NodeSummary{Total: 8, Ready: 8, Etcd: 3,
				ControlPlane: v1alpha1.PoolSummary{Total: 3, Ready: 3}, Workers: v1alpha1.PoolSummary{Total: 5, Ready: 5}}},
	}
	hubtest.Create(t, c.Client, ic)
	secret := hubcreds.Secret(Name, hubcreds.Credentials{Server: c.Config.Host, CAData: c.Config.CAData, Token: token})
	if err := c.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WriteKubeconfig(agentKubeconfig(c), "k3s-agent", &rest.Config{Host: c.Config.Host, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.Config.CAData}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// Local are the flags by which a verb reads c's downstream itself, as the import agent:
// --kubeconfig of the agent's token.
func Local(c *testenv.Cluster) []string { return []string{"--kubeconfig", agentKubeconfig(c)} }

func agentKubeconfig(c *testenv.Cluster) string { return filepath.Join(c.Dir, "k3s-agent.kubeconfig") }

// installAgent creates what an import puts in the downstream and returns the agent's token.
func installAgent(t testing.TB, c client.Client) string {
	t.Helper()
	ctx := context.Background()
	ns, cr, rest := agent.Objects(agent.Registration{ClusterName: Name})
	for _, obj := range append([]metav1.Object{ns, cr}, rest...) {
		if err := c.Create(ctx, obj.(client.Object)); err != nil {
			t.Fatalf("creating the agent's objects: %v", err)
		}
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentServiceAccount}}
	tr := agent.TokenRequest(agent.TokenLifetime)
	if err := c.SubResource("token").Create(ctx, sa, tr); err != nil {
		t.Fatalf("requesting the agent's token: %v", err)
	}
	return tr.Status.Token
}

func kubeSystemUID(t testing.TB, c client.Client) string {
	t.Helper()
	var ns corev1.Namespace
	if err := c.Get(context.Background(), client.ObjectKey{Name: metav1.NamespaceSystem}, &ns); err != nil {
		t.Fatal(err)
	}
	return string(ns.UID)
}
