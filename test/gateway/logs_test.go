package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// installPlanCRD installs the system-upgrade-controller's Plan CRD into edge, as its admin.
func (e *env) installPlanCRD(t *testing.T) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "test", "crd", "upgrade.cattle.io_plans.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &crd.Object); err != nil {
		t.Fatal(err)
	}
	create(t, e.edge.Client, crd)
	if err := importer.WaitEstablished(context.Background(), e.edge.Client, crd.GetName(), 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// kubelet plays the kubelet of one node for the logs of one container (there are no kubelets
// here): the downstream's API server proxies `logs -f` to it. It writes the first line, holds
// the stream open until release is closed, then writes the last line and ends it.
type kubelet struct {
	srv     *httptest.Server
	release chan struct{}
	path    string
}

const firstLine, lastLine = "upgrade controller started", "plan k3s-master-plan applied"

func startKubelet(t *testing.T, pod string) *kubelet {
	t.Helper()
	k := &kubelet{release: make(chan struct{}),
		path: fmt.Sprintf("/containerLogs/%s/%s/%s", v1alpha1.AgentNamespace, pod, v1alpha1.UpgradeControllerContainer)}
	k.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != k.path || r.URL.Query().Get("follow") != "true" {
			http.Error(w, "not a followed log of "+k.path+": "+r.URL.String(), http.StatusNotFound)
			return
		}
		fmt.Fprintln(w, firstLine)
		w.(http.Flusher).Flush()
		select {
		case <-k.release:
		case <-r.Context().Done():
			return
		case <-time.After(time.Minute):
		}
		fmt.Fprintln(w, lastLine)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

// followLogs runs `kubectl import upgrader logs edge -f` (the built plugin, as alice through the
// gateway) against a controller pod whose kubelet streams: the first line must reach the
// plugin's output while the stream is still open, and the command ends with the stream.
func (e *env) followLogs(t *testing.T, plugin, hubKubeconfig string) {
	t.Helper()
	ctx := context.Background()
	const pod, node = "system-upgrade-controller-1", "kubelet-1"
	k := startKubelet(t, pod)
	_, portText, _ := strings.Cut(strings.TrimPrefix(k.srv.URL, "https://"), ":")
	port, _ := strconv.Atoi(portText)
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}
	create(t, e.edge.Client, n)
	n.Status = corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}}}
	if err := e.edge.Client.Status().Update(ctx, n); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": v1alpha1.UpgradeController}
	create(t, e.edge.Client, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.UpgradeController, Namespace: v1alpha1.AgentNamespace},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: v1alpha1.UpgradeControllerContainer, Image: "rancher/system-upgrade-controller"}}}}}})
	create(t, e.edge.Client, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: v1alpha1.AgentNamespace, Labels: labels},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: v1alpha1.UpgradeControllerContainer, Image: "rancher/system-upgrade-controller"}}}})

	cmd := exec.Command(plugin, "upgrader", "logs", "edge", "-f", "--hub-kubeconfig", hubKubeconfig)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "KUBECTL_IMPORT_HUB_CONTEXT=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	finished := false
	defer func() {
		if !finished {
			_ = cmd.Process.Kill() // by its pid
			<-done
		}
	}()
	select {
	case line := <-lines:
		if line != firstLine {
			t.Fatalf("upgrader logs -f printed %q first", line)
		}
	case err := <-done:
		finished = true
		t.Fatalf("upgrader logs -f ended before streaming: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("upgrader logs -f printed nothing while the kubelet held the stream open\n%s", stderr.String())
	}
	close(k.release) // the stream was open until now: the first line came through as it was written
	select {
	case line := <-lines:
		if line != lastLine {
			t.Errorf("upgrader logs -f printed %q last", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("upgrader logs -f did not print the last line")
	}
	select {
	case err := <-done:
		finished = true
		if err != nil {
			t.Errorf("upgrader logs -f: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("upgrader logs -f did not end with the stream")
	}
}
