package oneshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/internal/testenv/hubenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubcreds"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	checks "github.com/kubectl-import/kubectl-import/pkg/importer/preflight"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/deletecmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/preflight"
)

// TestImportFlow drives init, preflight, cluster and delete against real control planes: a
// hub running the reconciler in-process, a K3s downstream and a plain one, once with the
// downstreams at each of testenv.DownstreamVersions (the newest release and the oldest
// supported minor; the hub is always at the newest). Within a run the subtests share the
// clusters and run in order; each leaves the state the next one starts from.
func TestImportFlow(t *testing.T) {
	binary := hubenv.BuildPlugin(t)
	for _, version := range testenv.DownstreamVersions() {
		t.Run("downstreams at "+version, func(t *testing.T) { testImportFlow(t, binary, version) })
	}
}

func testImportFlow(t *testing.T, binary func(testing.TB) string, version string) {
	testLog = func(s string) { t.Log(s) }
	t.Cleanup(func() { testLog = func(string) {} })
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // init records the hub here
	t.Setenv(common.HubContextEnv, "")
	clusters := testenv.StartAll(t,
		testenv.Options{Name: "hub"},
		testenv.Options{Name: "k3s", K3s: true, Version: version},
		testenv.Options{Name: "plain", Version: version})
	hub, k3s, plain := clusters[0], clusters[1], clusters[2]
	hubServer := hubenv.New(t, hub) // reconciler and admission webhook, called by URL over TLS
	ctx := context.Background()
	if err := testenv.CreateK3sNodes(ctx, k3s.Client, 3, 5, k3s.Version); err != nil {
		t.Fatal(err)
	}
	if err := testenv.CreateNodes(ctx, plain.Client, "node", 2, plain.Version, nil); err != nil {
		t.Fatal(err)
	}
	// The plain downstream already has cattle-system: the import must neither own nor remove it.
	preexisting := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace, Labels: map[string]string{"team": "platform"}}}
	if err := plain.Client.Create(ctx, preexisting); err != nil {
		t.Fatal(err)
	}
	_, aliceKubeconfig := k3s.AddUser(t, "alice", nil)

	t.Run("init installs the hub, records it and is idempotent", func(t *testing.T) {
		args := []string{"--kubeconfig", hub.Kubeconfig, "--webhook-url", hubServer.URL}
		for range 2 {
			out, _, err := run(initcmd.NewCmd, args...)
			if err != nil {
				t.Fatalf("init: %v\n%s", err, out)
			}
			mustContain(t, "init output", out,
				"customresourcedefinition.apiextensions.k8s.io/importedclusters.kimport.dev serverside-applied\n",
				"namespace/kimport-system serverside-applied\n")
			if strings.Contains(out, "deployment.apps/kimport-webhook") || strings.Contains(out, "deployment.apps/kimport-controller") {
				t.Errorf("--webhook-url must skip the in-cluster Deployments:\n%s", out)
			}
		}
		rec, err := common.LoadRecordedHub()
		if err != nil || rec == nil || rec.Context != "hub" || rec.Kubeconfig != hub.Kubeconfig {
			t.Fatalf("recorded hub = %+v, %v; want context hub in %s", rec, err, hub.Kubeconfig)
		}

		out, _, err := run(initcmd.NewCmd, "--kubeconfig", hub.Kubeconfig, "--dry-run=client", "-o", "yaml", "--image", "registry.example.com/kimport/webhook:v9")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "init dry run", out, "kind: List", "image: registry.example.com/kimport/webhook:v9", "kind: CustomResourceDefinition")
		for _, name := range []string{"kimport-webhook", "kimport-controller"} {
			mustNotExist(t, hub.Client, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: name}})
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	hubServer.Start(t)

	t.Run("non-cluster-admin: preflight and cluster fail, print the binding, create nothing", func(t *testing.T) {
		want := "kubectl create clusterrolebinding cluster-admin-binding --clusterrole cluster-admin --user alice\n"
		out, _, err := run(preflight.NewCmd, "--kubeconfig", aliceKubeconfig)
		if err == nil || !strings.Contains(err.Error(), checks.CheckClusterAdmin) {
			t.Errorf("preflight error = %v, want it to name %q", err, checks.CheckClusterAdmin)
		}
		mustContain(t, "preflight output", out, "FAIL cluster-admin in the downstream: alice may not do everything", want, "gcloud config get-value account")

		out, _, err = runCluster("", "k3s-1", "--kubeconfig", aliceKubeconfig)
		if err == nil {
			t.Fatal("cluster succeeded for a user without cluster-admin")
		}
		mustContain(t, "cluster output", out, want)
		assertNothingImported(t, hub, k3s)
		mustNotExist(t, k3s.Client, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentNamespace}})
	})

	t.Run("a cluster marked by another hub is refused", func(t *testing.T) {
		marker := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap},
			Data: map[string]string{v1alpha1.MarkerHubID: "another-hub-uid", v1alpha1.MarkerHubServer: "https://other-hub:6443", v1alpha1.MarkerClusterName: "plain-elsewhere"}}
		if err := plain.Client.Create(ctx, marker); err != nil {
			t.Fatal(err)
		}
		out, _, err := run(preflight.NewCmd, "--kubeconfig", plain.Kubeconfig, "plain-1")
		if err == nil {
			t.Error("preflight passed for a cluster another hub imported")
		}
		mustContain(t, "preflight output", out, `imported as "plain-elsewhere" by hub https://other-hub:6443`, "OK   downstream lists its nodes: 2 nodes")
		if err := plain.Client.Delete(ctx, marker); err != nil {
			t.Fatal(err)
		}
		assertNothingImported(t, hub, plain)
	})

	t.Run("dry run prints the objects and creates nothing", func(t *testing.T) {
		out, errOut, err := runCluster("", "k3s-1", "--kubeconfig", k3s.Kubeconfig, "--member", "User:alice=cluster-owner", "--dry-run=client", "-o", "yaml")
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		var list unstructured.UnstructuredList
		if err := yaml.Unmarshal([]byte(out), &list.Object); err != nil {
			t.Fatalf("dry run output is not YAML: %v\n%s", err, out)
		}
		var kinds []string
		for _, item := range list.Object["items"].([]any) {
			kinds = append(kinds, item.(map[string]any)["kind"].(string))
		}
		if got, want := strings.Join(kinds, " "), "Lease Namespace ClusterRole ServiceAccount ClusterRoleBinding Role RoleBinding ConfigMap ServiceAccount ClusterRole ClusterRoleBinding ConfigMap "+
			"ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding "+
			"ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ImportedCluster Secret"; got != want {
			t.Errorf("dry run kinds:\n%s\nwant:\n%s", got, want)
		}
		mustContain(t, "dry run", out, importer.TokenPlaceholder, "name: alice", "clusterID: ", `etcdMembers: "3"`)
		mustContain(t, "dry run progress (stderr)", errOut, "OK   cluster-admin in the downstream")
		assertNothingImported(t, hub, k3s)
	})

	t.Run("a downstream kubeconfig that skips TLS verification is refused before anything is sent", func(t *testing.T) {
		cfg, err := clientcmd.LoadFromFile(k3s.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cfg.Clusters {
			c.InsecureSkipTLSVerify, c.CertificateAuthorityData, c.CertificateAuthority = true, nil, ""
		}
		insecure := filepath.Join(t.TempDir(), "insecure.kubeconfig")
		if err := clientcmd.WriteToFile(*cfg, insecure); err != nil {
			t.Fatal(err)
		}
		_, _, err = runCluster("", "k3s-1", "--kubeconfig", insecure)
		if err == nil {
			t.Fatal("an import through an insecure kubeconfig succeeded")
		}
		mustContain(t, "error", err.Error(), "sets insecure-skip-tls-verify", "--certificate-authority=ca.crt --embed-certs=true --insecure-skip-tls-verify=false")
		assertNothingImported(t, hub, k3s)
	})

	t.Run("K3s downstream reaches Active; token never printed", func(t *testing.T) {
		out, errOut, err := runCluster("", "k3s-1", "--kubeconfig", k3s.Kubeconfig, "--member", "User:alice=cluster-owner",
			"--display-name", "K3s edge", "--timeout", "60s")
		if err != nil {
			t.Fatalf("%v\n%s%s", err, out, errOut)
		}
		mustContain(t, "cluster output", out,
			"OK   downstream answers: "+k3s.Config.Host+", Kubernetes "+k3s.Version+" (K3s)",
			"lease.coordination.k8s.io/cluster-", "namespace/cattle-system created",
			"clusterrole.rbac.authorization.k8s.io/kimport-agent serverside-applied",
			"importedcluster.kimport.dev/k3s-1 serverside-applied", "secret/k3s-1-credentials serverside-applied",
			"importedcluster.kimport.dev/k3s-1 Active (k3s "+k3s.Version+", 8/8 nodes ready)")
		assertTokenNotIn(t, hub, "k3s-1", out+errOut)
		assertImported(t, hub, k3s, 1, counts{"Namespace": 1, "ClusterRoleBinding": 3})
	})

	t.Run("re-run on Active changes nothing; a second name for it is refused", func(t *testing.T) {
		before := resourceVersions(t, hub, k3s, "k3s-1")
		out, _, err := runCluster("", "k3s-1", "--kubeconfig", k3s.Kubeconfig, "--member", "User:alice=cluster-owner", "--display-name", "K3s edge")
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "re-run", out, "importedcluster.kimport.dev/k3s-1 unchanged (already Active)\n")
		if after := resourceVersions(t, hub, k3s, "k3s-1"); after != before {
			t.Errorf("a re-run changed objects: %s -> %s", before, after)
		}
		out, _, err = runCluster("", "k3s-2", "--kubeconfig", k3s.Kubeconfig)
		if err == nil {
			t.Error("the same cluster was imported under a second name")
		}
		mustContain(t, "second import", out, "already imported as importedcluster k3s-1")
		// Past the preflight (a race between two imports), the atomic claim still refuses.
		clusterID, err := importer.KubeSystemUID(ctx, k3s.Client)
		if err != nil {
			t.Fatal(err)
		}
		var claimed *importer.ClaimedError
		err = importer.ClaimIdentity(ctx, hub.Client, importer.Request{Name: "k3s-2", ClusterID: clusterID}, &strings.Builder{})
		if !errors.As(err, &claimed) || claimed.Holder != "k3s-1" {
			t.Errorf("a second claim on the cluster ID returned %v, want it held by k3s-1", err)
		}
		assertImported(t, hub, k3s, 1, counts{"Namespace": 1, "ClusterRoleBinding": 3})
	})

	t.Run("a fault after each step: re-runs converge without duplicates", func(t *testing.T) {
		args := []string{"plain-1", "--kubeconfig", plain.Kubeconfig, "--timeout", "60s"}
		// The fault after the last step is injected on a later import (plain-2): here the
		// reconciler makes plain-1 Active as soon as it is registered.
		for _, step := range []string{cluster.StepClaimIdentity, cluster.StepApplyDownstream, cluster.StepRegister} {
			out, errOut, err := runCluster(step, args...)
			if err == nil || !strings.Contains(err.Error(), "fault injected after step "+step) {
				t.Fatalf("after %s: error %v\n%s%s", step, err, out, errOut)
			}
			if got := hubObjects(t, hub.Client); got["Lease"] != 2 || got["ImportedCluster"] > 2 || got["Secret"] > 2 {
				t.Errorf("after a fault in %s the hub holds %v (k3s-1 and plain-1 at most once each)", step, got)
			}
		}
		out, _, err := runCluster("", args...)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "final re-run", out, "importedcluster.kimport.dev/plain-1 ")
		assertImported(t, hub, plain, 2, counts{"Namespace": 0, "ClusterRoleBinding": 2})
	})

	t.Run("delete removes every import object; pre-existing namespaces lose only the label", func(t *testing.T) {
		out, errOut, err := run(deletecmd.NewCmd, "k3s-1", "--timeout", "60s")
		if err != nil {
			t.Fatalf("%v\n%s%s", err, out, errOut)
		}
		mustContain(t, "delete", out, "importedcluster.kimport.dev/k3s-1 deleted\n")
		if got := hubObjects(t, hub.Client); got["ImportedCluster"] != 1 || got["Lease"] != 1 || got["Secret"] != 1 {
			t.Errorf("hub after deleting k3s-1 holds %v, want only plain-1's records", got)
		}
		assertDownstreamClean(t, k3s)
		for _, ns := range []string{"default", "kube-system"} {
			if err := k3s.Client.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}); err != nil {
				t.Errorf("namespace %s: %v", ns, err)
			}
		}
	})

	t.Run("delete --force when the downstream is gone reports what is left", func(t *testing.T) {
		plain.StopAPIServer(t)
		out, errOut, err := run(deletecmd.NewCmd, "plain-1", "--timeout", "3s", "--force")
		plain.StartAPIServer(t)
		if err != nil {
			t.Fatalf("%v\n%s%s", err, out, errOut)
		}
		mustContain(t, "forced delete", out, "importedcluster.kimport.dev/plain-1 deleted\n",
			"clusterrole.rbac.authorization.k8s.io/kimport-agent", "serviceaccount/kimport-agent -n cattle-system")
		mustContain(t, "forced delete warnings", errOut, "--force")
		assertNothingInHub(t, hub)
		if err := plain.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentClusterRole}, &rbacv1.ClusterRole{}); err != nil {
			t.Errorf("the agent ClusterRole should be left behind in the unreachable downstream: %v", err)
		}
	})

	t.Run("re-import over leftovers, then delete keeps the pre-existing cattle-system", func(t *testing.T) {
		args := []string{"plain-2", "--kubeconfig", plain.Kubeconfig, "--member", "Group:ops=cluster-member", "--timeout", "60s"}
		out, errOut, err := runCluster(cluster.StepWaitActive, args...)
		if err == nil || !strings.Contains(err.Error(), "fault injected after step "+cluster.StepWaitActive) {
			t.Fatalf("error %v\n%s%s", err, out, errOut)
		}
		if out, _, err = runCluster("", args...); err != nil || !strings.Contains(out, "importedcluster.kimport.dev/plain-2 unchanged (already Active)") {
			t.Fatalf("re-run after a fault after the wait: %v\n%s", err, out)
		}
		assertImported(t, hub, plain, 1, counts{"Namespace": 0, "ClusterRoleBinding": 3})
		if out, _, err := run(deletecmd.NewCmd, "plain-2", "--timeout", "60s"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		assertNothingInHub(t, hub)
		assertDownstreamClean(t, plain)
		var ns corev1.Namespace
		if err := plain.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentNamespace}, &ns); err != nil || ns.DeletionTimestamp != nil {
			t.Fatalf("the pre-existing cattle-system must survive: %v %v", err, ns.DeletionTimestamp)
		}
		if ns.Labels["team"] != "platform" {
			t.Errorf("cattle-system lost its own labels: %v", ns.Labels)
		}
	})

	t.Run("built binary: exit code 1 and the error on stderr", func(t *testing.T) {
		bin := binary(t)
		out, errOut, code := runBinary(t, exec.Command(bin, "cluster", "k3s-3", "--kubeconfig", aliceKubeconfig, "--hub-kubeconfig", hub.Kubeconfig))
		if code != 1 || !strings.HasPrefix(errOut, "error: preflight failed") {
			t.Errorf("exit %d, stderr %q; want 1 and the preflight error", code, errOut)
		}
		mustContain(t, "binary stdout", out, "--user alice\n")
		assertNothingImported(t, hub, k3s)

		// A K3s kubeconfig readable by root only, used by another user.
		dir := filepath.Dir(bin)
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(k3s.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		kubeconfig := filepath.Join(dir, "k3s-"+version+".yaml") // one per run: it is made unreadable
		cmd := exec.Command(bin, "preflight", "--kubeconfig", kubeconfig, "--hub-kubeconfig", hub.Kubeconfig)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if os.Getuid() == 0 {
			writeFile(t, kubeconfig, data, 0o600)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		} else {
			writeFile(t, kubeconfig, data, 0o000)
		}
		out, errOut, code = runBinary(t, cmd)
		if code != 1 || !strings.HasPrefix(errOut, "error: preflight failed") {
			t.Errorf("exit %d, stderr %q; want 1 and the preflight error", code, errOut)
		}
		mustContain(t, "binary stdout", out, "permission denied", "--write-kubeconfig-mode 644", `K3S_KUBECONFIG_MODE="644"`)
	})
}

// assertImported checks that exactly the objects of one import exist in ds and that the hub
// holds n imports; extra overrides expected downstream counts.
func assertImported(t *testing.T, hub, ds *testenv.Cluster, n int, extra counts) {
	t.Helper()
	if got := hubObjects(t, hub.Client); got["ImportedCluster"] != n || got["Lease"] != n || got["Secret"] != n {
		t.Errorf("hub holds %v, want %d of each", got, n)
	}
	// No token Secret: agent tokens are short-lived. Two ConfigMaps: the marker and the etcd
	// count of the upgrade fence. The agent's and the gateway impersonator's ServiceAccount
	// and ClusterRole (and each one's binding: in extra, with the members').
	want := counts{"ClusterRole": 2, "ServiceAccount": 2, "Secret": 0, "Role": 1, "RoleBinding": 1, "ConfigMap": 2}
	for k, v := range extra {
		want[k] = v
	}
	got := downstreamObjects(t, ds.Client)
	delete(got, "project-labelled namespaces")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("downstream %s holds %v, want %v", ds.Name, got, want)
	}
}

// assertNothingImported checks that the hub has no import record and ds no import object.
func assertNothingImported(t *testing.T, hub, ds *testenv.Cluster) {
	t.Helper()
	assertNothingInHub(t, hub)
	if got := downstreamObjects(t, ds.Client); fmt.Sprint(got) != fmt.Sprint(counts{
		"Namespace": 0, "ClusterRole": 0, "ClusterRoleBinding": 0, "ServiceAccount": 0, "Secret": 0,
		"Role": 0, "RoleBinding": 0, "ConfigMap": 0, "project-labelled namespaces": 0}) {
		t.Errorf("downstream %s holds import objects: %v", ds.Name, got)
	}
}

func assertNothingInHub(t *testing.T, hub *testenv.Cluster) {
	t.Helper()
	if got := hubObjects(t, hub.Client); got["ImportedCluster"]+got["Lease"]+got["Secret"] != 0 {
		t.Errorf("hub holds import records: %v", got)
	}
}

// assertDownstreamClean waits until the downstream's garbage collector and namespace
// controller have removed every import object and label.
func assertDownstreamClean(t *testing.T, ds *testenv.Cluster) {
	t.Helper()
	eventually(t, 60*time.Second, func() (bool, string) {
		got := downstreamObjects(t, ds.Client)
		for _, n := range got {
			if n != 0 {
				return false, fmt.Sprintf("downstream %s still holds %v", ds.Name, got)
			}
		}
		return true, ""
	})
}

// assertTokenNotIn reads the agent token the hub stores for cluster and checks s does not
// hold it.
func assertTokenNotIn(t *testing.T, hub *testenv.Cluster, cluster, s string) {
	t.Helper()
	var secret corev1.Secret
	if err := hub.Client.Get(context.Background(), client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(cluster)}, &secret); err != nil {
		t.Fatal(err)
	}
	token := string(secret.Data[hubcreds.KeyToken])
	if token == "" || strings.Contains(s, token) || strings.Contains(s, token[len(token)-20:]) {
		t.Error("the agent token appears in the output (or is empty)")
	}
}

// resourceVersions summarises the versions of an import's objects.
func resourceVersions(t *testing.T, hub, ds *testenv.Cluster, name string) string {
	t.Helper()
	ctx := context.Background()
	var ic v1alpha1.ImportedCluster
	if err := hub.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		t.Fatal(err)
	}
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.CredentialsSecretName(name)}},
		&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(ic.Spec.ClusterID)}},
	}
	s := fmt.Sprintf("ic gen %d", ic.Generation)
	for _, obj := range objs {
		if err := hub.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Fatal(err)
		}
		s += " " + obj.GetResourceVersion()
	}
	for _, obj := range []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.AgentClusterRole}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}},
	} {
		if err := ds.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Fatal(err)
		}
		s += " " + obj.GetResourceVersion()
	}
	return s
}
