package controller_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/controller"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// prepareImport does what the plugin does before registering a cluster in the hub: claims
// its identity and puts the agent objects in the downstream. It returns the request and the
// agent token; the test registers the cluster (importer.Register) when it wants to.
func prepareImport(t *testing.T, hub, ds *testenv.Cluster, name string, members []v1alpha1.Member) (importer.Request, string) {
	t.Helper()
	return prepareImportMode(t, hub, ds, name, members, v1alpha1.ModeDirect)
}

// prepareImportMode is prepareImport in the given connection mode (no token in agent mode).
func prepareImportMode(t *testing.T, hub, ds *testenv.Cluster, name string, members []v1alpha1.Member, mode v1alpha1.Mode) (importer.Request, string) {
	t.Helper()
	ctx := context.Background()
	hubConn, err := importer.Connect(hub.Config)
	if err != nil {
		t.Fatal(err)
	}
	dsConn, err := importer.Connect(ds.Config)
	if err != nil {
		t.Fatal(err)
	}
	hubID, err := importer.KubeSystemUID(ctx, hubConn.Client)
	if err != nil {
		t.Fatal(err)
	}
	req, err := importer.NewRequest(ctx, dsConn, importer.Request{Name: name, HubID: hubID, HubServer: hubConn.Config.Host}, "")
	if err != nil {
		t.Fatalf("import request for %s: %v", name, err)
	}
	req.Members, req.Mode = members, mode
	if err := importer.ClaimIdentity(ctx, hub.Client, req, io.Discard); err != nil {
		t.Fatalf("claiming the identity of %s: %v", name, err)
	}
	token, err := importer.ApplyDownstream(ctx, ds.Client, req, io.Discard)
	if err != nil {
		t.Fatalf("agent objects in %s: %v", ds.Name, err)
	}
	return req, token
}

// createRegistration leaves in the hub what `kubectl import create NAME` does: an
// ImportedCluster without clusterID and apiServer whose join token expires at expires, and,
// owned by it, an empty credentials Secret and the join ServiceAccount.
func createRegistration(t *testing.T, hub *testenv.Cluster, name string, expires time.Time) {
	t.Helper()
	ctx := context.Background()
	hubID, err := importer.KubeSystemUID(ctx, hub.Client)
	must(t, err)
	ic := &v1alpha1.ImportedCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: []string{v1alpha1.Finalizer}, Annotations: map[string]string{
			v1alpha1.HubIDAnnotation: hubID, v1alpha1.JoinExpiresAnnotation: rfc3339(expires),
		}},
		Spec: v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: v1alpha1.CredentialsSecretName(name)}},
	}
	must(t, hub.Client.Create(ctx, ic))
	owner := []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ImportedCluster", Name: name, UID: ic.UID}}
	secret := hubcreds.Secret(name, hubcreds.Credentials{})
	secret.Data = nil
	secret.OwnerReferences = owner
	must(t, hub.Client.Create(ctx, secret))
	sa := joinAccount(name)
	sa.OwnerReferences = owner
	must(t, hub.Client.Create(ctx, sa))
}

func joinAccount(cluster string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.JoinName(cluster)}}
}

// rfc3339 is t as the JoinExpiresAnnotation holds it.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// markerPhase is the phase the downstream registration marker shows.
func markerPhase(ctx context.Context, ds *testenv.Cluster) (string, error) {
	var cm corev1.ConfigMap
	err := ds.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}, &cm)
	return cm.Data[v1alpha1.MarkerHubPhase], err
}

// controllerIdentity is the reconciler's ServiceAccount of deploy/base/rbac.yaml, as a
// client-certificate user: RBAC matches ServiceAccount subjects by this user name.
const controllerIdentity = "system:serviceaccount:" + v1alpha1.HubNamespace + ":kimport-controller"

// startReconciler installs deploy/base/rbac.yaml in the hub and runs the reconciler in-process with
// exactly those rights, as the Deployment would. Its log goes to the returned path.
func startReconciler(t *testing.T, hub *testenv.Cluster, opts controller.Options) string {
	t.Helper()
	applyManifest(t, hub.Client, "rbac.yaml")
	cfg, _ := hub.AddUser(t, controllerIdentity, []string{"system:serviceaccounts", "system:serviceaccounts:" + v1alpha1.HubNamespace})
	logPath := filepath.Join(hub.Dir, "reconciler.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The manager's own logger, not ctrl.SetLogger: the global logger takes only the first
	// one set in a process, and TestReconciler runs a reconciler per downstream version.
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Logger:  zap.New(zap.WriteTo(logFile), zap.UseDevMode(true)),
		Scheme:  scheme.Scheme,
		Cache:   controller.CacheOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"},
		// Several tests of this package each run a reconciler in this one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := controller.SetupWithManager(mgr, opts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("reconciler manager: %v", err)
		}
		logFile.Close()
		if t.Failed() {
			if data, err := os.ReadFile(logPath); err == nil {
				t.Logf("reconciler log (%s):\n%s", logPath, data)
			}
		}
	})
	return logPath
}

func applyManifest(t *testing.T, c client.Client, file string) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "deploy", "base", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatalf("deploy/base/%s: %v", file, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := c.Create(context.Background(), &u); err != nil {
			t.Fatalf("deploy/base/%s: creating %s %s: %v", file, u.GetKind(), u.GetName(), err)
		}
	}
}

// eventually polls check until it returns nil, failing the test with its last error after
// timeout.
func eventually(t *testing.T, timeout time.Duration, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for {
		err := check(ctx)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func getCluster(ctx context.Context, hub *testenv.Cluster, name string) (*v1alpha1.ImportedCluster, error) {
	var ic v1alpha1.ImportedCluster
	err := hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic)
	return &ic, err
}

// waitPhase waits until the cluster has phase and the condition Connected has reason.
func waitPhase(t *testing.T, hub *testenv.Cluster, name string, phase v1alpha1.Phase, connectedReason string, timeout time.Duration) *v1alpha1.ImportedCluster {
	t.Helper()
	var ic *v1alpha1.ImportedCluster
	eventually(t, timeout, fmt.Sprintf("importedcluster %s %s/%s", name, phase, connectedReason), func(ctx context.Context) error {
		var err error
		if ic, err = getCluster(ctx, hub, name); err != nil {
			return err
		}
		got := ""
		for _, c := range ic.Status.Conditions {
			if c.Type == v1alpha1.ConditionConnected {
				got = c.Reason
			}
		}
		if ic.Status.Phase != phase || got != connectedReason {
			return fmt.Errorf("phase %q, Connected reason %q; conditions %+v", ic.Status.Phase, got, ic.Status.Conditions)
		}
		return nil
	})
	return ic
}

// assertConnected checks the message of the cluster's Connected condition.
func assertConnected(t *testing.T, ic *v1alpha1.ImportedCluster, msg string) {
	t.Helper()
	if c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionConnected); c == nil || c.Message != msg {
		t.Errorf("%s: Connected = %+v, want message %q", ic.Name, c, msg)
	}
}
