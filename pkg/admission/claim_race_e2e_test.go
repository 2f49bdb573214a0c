package admission_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// TestRawCreatesRaceToTwoWebhookReplicas: two records of one downstream written by hand
// (kubectl apply of the same cluster twice, say by two GitOps repositories) at the moment two
// webhook replicas each have not seen the other's: both pass the cached duplicate check. Here
// the replica that answers has a cache frozen before either write (its connection to the hub's
// API server goes through a tunnel the test pauses): the real API server calls the real
// webhook, which admits both. The reconciler (the hub component as its own ServiceAccount)
// must then claim each record's identity before it acts: exactly one becomes Active, the other
// stays IdentityClaimed and touches nothing downstream: its member is never bound, and deleting
// it leaves the winner's import in place.
func TestRawCreatesRaceToTwoWebhookReplicas(t *testing.T) {
	testenv.SkipShort(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(common.HubContextEnv, "")
	clusters := testenv.StartAll(t, testenv.Options{Name: "hub"}, testenv.Options{Name: "plain"})
	hub, ds := clusters[0], clusters[1]
	ctx := context.Background()

	// The replica that answers admission reaches the API server through a tunnel.
	apiServer, err := url.Parse(hub.Config.Host)
	must(t, err)
	tunnel := startTunnel(t, apiServer.Host)
	frozen := hubenv.New(t, hub)
	frozen.Options.DisableReconciler = true
	frozen.WebhookConfig = rest.CopyConfig(frozen.WebhookConfig)
	frozen.WebhookConfig.Host = "https://" + tunnel.addr
	if out, err := runCmd(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--webhook-url", frozen.URL); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	frozen.Start(t)
	reconciler := hubenv.New(t, hub)
	reconciler.Options.DisableWebhook = true
	reconciler.Start(t)

	// What the admin applies twice: the agent in the downstream, then two records of it, each
	// with its credentials and a member of its own.
	hubConn, err := importer.Connect(hub.Config)
	must(t, err)
	dsConn, err := importer.Connect(ds.Config)
	must(t, err)
	hubID, err := importer.KubeSystemUID(ctx, hubConn.Client)
	must(t, err)
	req, err := importer.NewRequest(ctx, dsConn, importer.Request{Name: "dup-a", HubID: hubID, HubServer: hubConn.Config.Host}, "")
	must(t, err)
	req.Mode = v1alpha1.ModeDirect
	token, err := importer.ApplyDownstream(ctx, ds.Client, req, io.Discard)
	must(t, err)
	records := map[string]v1alpha1.Member{
		"dup-a": {Kind: v1alpha1.MemberUser, Name: "alice", Role: v1alpha1.RoleOwner},
		"dup-b": {Kind: v1alpha1.MemberUser, Name: "mallory", Role: v1alpha1.RoleOwner},
	}

	tunnel.pause()
	for _, name := range []string{"dup-a", "dup-b"} {
		r := req
		r.Name, r.Members = name, []v1alpha1.Member{records[name]}
		must(t, hub.Client.Create(ctx, r.CredentialsSecret(token)))
		if err := hub.Client.Create(ctx, r.ImportedCluster()); err != nil {
			t.Fatalf("the frozen replica refused %s (its cache saw the other record): %v", name, err)
		}
	}
	tunnel.resume()

	var winner, loser string
	hubtest.Eventually(t, time.Minute, func() (bool, string) {
		var list v1alpha1.ImportedClusterList
		if err := hub.Client.List(ctx, &list); err != nil {
			return false, err.Error()
		}
		winner, loser = "", ""
		var seen []string
		for _, ic := range list.Items {
			c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionConnected)
			seen = append(seen, fmt.Sprintf("%s %s %+v", ic.Name, ic.Status.Phase, c))
			switch {
			case ic.Status.Phase == v1alpha1.PhaseActive:
				winner = ic.Name
			case c != nil && c.Reason == v1alpha1.ReasonIdentityClaimed:
				loser = ic.Name
			}
		}
		return winner != "" && loser != "", strings.Join(seen, "; ")
	})
	t.Logf("%s won the claim, %s lost it", winner, loser)

	var lease coordinationv1.Lease
	must(t, hub.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(req.ClusterID)}, &lease))
	if h := lease.Spec.HolderIdentity; h == nil || *h != winner {
		t.Errorf("identity claim held by %v, want %s", h, winner)
	}
	// The loser never touched the downstream: only the winner's member is bound there.
	time.Sleep(2 * reconciler.Options.Reconciler.ProbeInterval)
	for name, member := range records {
		err := ds.Client.Get(ctx, client.ObjectKey{Name: agent.MemberBindingName(member)}, &rbacv1.ClusterRoleBinding{})
		switch {
		case name == winner && err != nil:
			t.Errorf("the winner's member %s is not bound: %v", member.Name, err)
		case name == loser && err == nil:
			t.Errorf("the loser's member %s was bound in the downstream", member.Name)
		}
	}

	// Deleting the duplicate leaves the winner's import alone.
	must(t, hub.Client.Delete(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: loser}}))
	hubtest.Eventually(t, time.Minute, func() (bool, string) {
		err := hub.Client.Get(ctx, client.ObjectKey{Name: loser}, &v1alpha1.ImportedCluster{})
		return err != nil, fmt.Sprintf("%s still there (%v)", loser, err)
	})
	time.Sleep(2 * reconciler.Options.Reconciler.ProbeInterval)
	must(t, ds.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &rbacv1.ClusterRole{}))
	var ic v1alpha1.ImportedCluster
	must(t, hub.Client.Get(ctx, client.ObjectKey{Name: winner}, &ic))
	if ic.Status.Phase != v1alpha1.PhaseActive {
		t.Errorf("%s is %s after the duplicate went, want Active", winner, ic.Status.Phase)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tunnel forwards TCP connections from a loopback port to target; paused, it holds every byte
// (both ways) until resumed: a client behind it sees an API server that has gone quiet, as an
// informer does whose watch lags.
type tunnel struct {
	addr string
	mu   sync.Mutex
	gate chan struct{} // closed while running
}

func startTunnel(t *testing.T, target string) *tunnel {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	tn := &tunnel{addr: l.Addr().String(), gate: make(chan struct{})}
	close(tn.gate)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go tn.copy(up, c)
			go tn.copy(c, up)
		}
	}()
	t.Cleanup(func() { tn.resume(); l.Close() })
	return tn
}

func (tn *tunnel) copy(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			tn.mu.Lock()
			gate := tn.gate
			tn.mu.Unlock()
			<-gate
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (tn *tunnel) pause() {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	select {
	case <-tn.gate:
		tn.gate = make(chan struct{})
	default:
	}
}

func (tn *tunnel) resume() {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	select {
	case <-tn.gate:
	default:
		close(tn.gate)
	}
}
