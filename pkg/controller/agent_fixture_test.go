package controller_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// startAgentFor runs kimport-agent in-process for the registered agent-mode cluster name of
// hub, with its real identities: the downstream ServiceAccount cattle-system/kimport-agent
// and its own hub ServiceAccount (a token the test requests as the hub admin stands for the
// bootstrap exchange, which TestAgentMode and TestJoinAgentMode prove with the real binary).
func startAgentFor(t *testing.T, hub, ds *testenv.Cluster, name string) {
	t.Helper()
	ctx := context.Background()
	var ic v1alpha1.ImportedCluster
	must(t, hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic))
	if _, err := importer.ApplyAgentIdentity(ctx, hub.Client, &ic, io.Discard); err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(hub.Config)
	seconds := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(v1alpha1.HubNamespace).CreateToken(ctx, v1alpha1.AgentName(name),
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	must(t, err)
	hubKubeconfig := filepath.Join(t.TempDir(), "agent-hub.kubeconfig")
	must(t, testenv.WriteKubeconfig(hubKubeconfig, "hub", &rest.Config{Host: hub.Config.Host, BearerToken: tr.Status.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: hub.Config.CAData}}))
	dsKubeconfig, err := ds.ServiceAccountKubeconfig(ctx, v1alpha1.AgentNamespace, v1alpha1.AgentServiceAccount)
	must(t, err)
	dsCfg, err := clientcmd.BuildConfigFromFlags("", dsKubeconfig)
	must(t, err)

	o := agentrun.DefaultOptions()
	o.HubKubeconfig = hubKubeconfig
	o.SyncInterval, o.ProbeTimeout = time.Second, 3*time.Second
	o.ProbeAddr = "0"
	o.SkipControllerNameValidation = true // several agents run in this process
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- agentrun.Run(runCtx, dsCfg, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("kimport-agent for %s: %v", name, err)
		}
	})
}
