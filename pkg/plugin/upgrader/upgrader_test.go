package upgrader

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/k3stest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
)

func TestUpgrader(t *testing.T) {
	c := k3stest.Start(t)
	ctx := context.Background()
	name := k3stest.Name
	cs := kubernetes.NewForConfigOrDie(c.Config)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is needed to compare outputs with it: %v", err)
	}
	runKubectl := func(args ...string) (string, string) {
		cmd := exec.Command(kubectl, append(args, "--kubeconfig", c.Kubeconfig)...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		_ = cmd.Run()
		return out.String(), errOut.String()
	}

	t.Run("without the controller: the install remedy", func(t *testing.T) {
		plugintest.Execute(c, NewCmd, append([]string{"debug", "on", name}, k3stest.Local(c)...)...).Failed(t,
			"the system-upgrade-controller is not installed: deployment cattle-system/system-upgrade-controller not found: install it with 'kubectl import upgrader install k3s-prod --kubeconfig <downstream kubeconfig>'")
		plugintest.Execute(c, NewCmd, "debug", "maybe", name).Failed(t, "want 'on' or 'off' and NAME: usage: upgrader debug on|off NAME [flags]")
	})

	t.Run("install: dry-run, then applied with least privilege, re-run converges", func(t *testing.T) {
		r := plugintest.Execute(c, NewCmd, "install", name, "--kubeconfig", c.Kubeconfig, "--dry-run", "-o", "yaml", "--image", "registry.local/suc:v1")
		var list struct{ Items []map[string]any }
		if err := yaml.Unmarshal([]byte(r.Stdout(t)), &list); err != nil || len(list.Items) != 7 {
			t.Fatalf("dry-run: %v\n%s", err, r.Out)
		}
		if !strings.Contains(r.Out, "image: registry.local/suc:v1") {
			t.Errorf("--image not used:\n%s", r.Out)
		}
		out := plugintest.Execute(c, NewCmd, "install", name, "--kubeconfig", c.Kubeconfig).Stdout(t)
		want := `configmap/system-upgrade-controller-config created
serviceaccount/system-upgrade-controller serverside-applied
clusterrole.rbac.authorization.k8s.io/system-upgrade-controller serverside-applied
clusterrolebinding.rbac.authorization.k8s.io/system-upgrade-controller serverside-applied
role.rbac.authorization.k8s.io/system-upgrade-controller serverside-applied
rolebinding.rbac.authorization.k8s.io/system-upgrade-controller serverside-applied
deployment.apps/system-upgrade-controller serverside-applied
`
		if out != want {
			t.Errorf("install printed:\n%s\nwant:\n%s", out, want)
		}
		var cr rbacv1.ClusterRole
		if err := c.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.UpgradeController}, &cr); err != nil {
			t.Fatal(err)
		}
		for _, rule := range cr.Rules {
			for _, s := range [][]string{rule.Verbs, rule.Resources, rule.APIGroups} {
				for _, v := range s {
					if v == "*" {
						t.Errorf("wildcard in the controller's ClusterRole: %+v", rule)
					}
				}
			}
		}
		out = plugintest.Execute(c, NewCmd, "install", name, "--kubeconfig", c.Kubeconfig).Stdout(t)
		if !strings.HasPrefix(out, "configmap/system-upgrade-controller-config unchanged\n") {
			t.Errorf("re-install printed:\n%s", out)
		}
	})

	t.Run("install refuses another cluster than NAME's", func(t *testing.T) {
		var ic v1alpha1.ImportedCluster
		if err := c.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
			t.Fatal(err)
		}
		other := ic.DeepCopy()
		other.ObjectMeta = ic.ObjectMeta
		other.Name, other.ResourceVersion, other.UID = "other", "", ""
		other.Spec.ClusterID = "00000000-0000-4000-8000-000000000000"
		other.Spec.CredentialsSecretRef.Name = v1alpha1.CredentialsSecretName("other")
		hubtest.Create(t, c.Client, other)
		r := plugintest.Execute(c, NewCmd, "install", "other", "--kubeconfig", c.Kubeconfig)
		if r.Error == nil || !strings.Contains(r.Error.Error(), `the cluster of --kubeconfig/--context is not "other"`) {
			t.Errorf("error = %v", r.Error)
		}
	})

	d, err := k3sops.ControllerDeployment(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("debug on sets the key and recreates the controller's pod", func(t *testing.T) {
		first := waitPod(t, cs, "")
		out := plugintest.Execute(c, NewCmd, append([]string{"debug", "on", name}, k3stest.Local(c)...)...).Stdout(t)
		want := "configmap/system-upgrade-controller-config configured (SYSTEM_UPGRADE_CONTROLLER_DEBUG=true)\npod/" + first.Name + " deleted\n"
		if out != want {
			t.Errorf("debug on printed:\n%s\nwant:\n%s", out, want)
		}
		var cm corev1.ConfigMap
		if err := c.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.UpgradeControllerConfigMap}, &cm); err != nil || cm.Data[v1alpha1.UpgradeControllerDebug] != "true" {
			t.Errorf("configmap: %v %v", cm.Data, err)
		}
		second := waitPod(t, cs, first.UID)
		if second.UID == first.UID {
			t.Error("the pod was not recreated")
		}
		if out := plugintest.Execute(c, NewCmd, append([]string{"debug", "on", name}, k3stest.Local(c)...)...).Stdout(t); out != "configmap/system-upgrade-controller-config unchanged (SYSTEM_UPGRADE_CONTROLLER_DEBUG is already true)\n" {
			t.Errorf("debug on again printed %q", out)
		}
		out = plugintest.Execute(c, NewCmd, append([]string{"restart", name}, k3stest.Local(c)...)...).Stdout(t)
		if out != "pod/"+second.Name+" deleted\n" {
			t.Errorf("restart printed %q", out)
		}
		waitPod(t, cs, second.UID)
	})

	t.Run("logs ask the controller pod's container and print what kubectl prints", func(t *testing.T) {
		// Pods never run here (no kubelet), so the API server has no log lines to serve: the
		// test checks that the command asks for the newest controller pod and its container
		// (the API server refuses a container the pod does not have) and prints exactly what
		// kubectl prints for the same request, on stdout and as an error.
		pods, err := k3sops.ControllerPods(ctx, cs, d)
		if err != nil || len(pods) == 0 {
			t.Fatalf("pods: %v %v", pods, err)
		}
		pod := pods[0].Name
		kubectlOut, kubectlErr := runKubectl("logs", "-n", v1alpha1.AgentNamespace, "pod/"+pod, "-c", v1alpha1.UpgradeControllerContainer)
		r := plugintest.Execute(c, NewCmd, append([]string{"logs", name}, k3stest.Local(c)...)...)
		if r.Error != nil || kubectlErr != "" || r.Out != kubectlOut {
			t.Errorf("logs: %q, %v; kubectl: %q, %q", r.Out, r.Error, kubectlOut, kubectlErr)
		}
		if _, err := cs.CoreV1().Pods(v1alpha1.AgentNamespace).GetLogs(pod, &corev1.PodLogOptions{Container: "nope"}).DoRaw(ctx); !apierrors.IsBadRequest(err) {
			t.Errorf("the API server did not check the container name: %v", err)
		}
		// An API server's error is worded as kubectl words it.
		_, kubectlNotFound := runKubectl("get", "pod", "gone", "-n", v1alpha1.AgentNamespace)
		_, err = cs.CoreV1().Pods(v1alpha1.AgentNamespace).Get(ctx, "gone", metav1.GetOptions{})
		if got := kubectlError(err).Error(); got != strings.TrimSpace(kubectlNotFound) || !strings.HasPrefix(got, "Error from server (NotFound)") {
			t.Errorf("kubectlError = %q, kubectl said %q", got, kubectlNotFound)
		}
	})

	t.Run("plans -o yaml prints what kubectl get plans prints", func(t *testing.T) {
		if err := k3sops.ApplyPlans(ctx, dynamic.NewForConfigOrDie(c.Config), &v1alpha1.ImportedCluster{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1alpha1.ImportedClusterSpec{K3s: &v1alpha1.K3sSpec{Version: "v1.37.3+k3s1"}}}); err != nil {
			t.Fatal(err)
		}
		k3stest.NewSUC(t, c.Config).PlanStatus(v1alpha1.MasterPlan, "v1.37.3+k3s1", "h", "k3s-server-1")
		for _, format := range []string{"yaml", "json"} {
			want, _ := runKubectl("get", "plans", "-n", v1alpha1.AgentNamespace, "-o", format)
			got := plugintest.Execute(c, NewCmd, append([]string{"plans", name, "-o", format}, k3stest.Local(c)...)...).Stdout(t)
			if got != want || !strings.Contains(got, "k3s-worker-plan") {
				t.Errorf("-o %s:\n%s\nkubectl:\n%s", format, got, want)
			}
		}
		table := plugintest.Execute(c, NewCmd, append([]string{"plans", name}, k3stest.Local(c)...)...).Stdout(t)
		if !strings.Contains(table, "k3s-master-plan   rancher/k3s-upgrade   v1.37.3+k3s1   1          ") {
			t.Errorf("table:\n%s", table)
		}
	})
}

// waitPod waits for a live controller pod other than the one with UID not (the ReplicaSet
// controller of the kube-controller-manager beside the API server creates it).
func waitPod(t *testing.T, cs kubernetes.Interface, not types.UID) corev1.Pod {
	t.Helper()
	var pod corev1.Pod
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := k3sops.ControllerDeployment(ctx, cs)
		if err != nil {
			return false, err
		}
		pods, err := k3sops.ControllerPods(ctx, cs, d)
		for _, p := range pods {
			if p.UID != not && p.DeletionTimestamp == nil {
				pod = p
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		t.Fatalf("no controller pod: %v", err)
	}
	return pod
}
