package oneshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/cluster"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// run executes a verb in-process with captured output.
func run(newCmd plugintest.NewCmd, args ...string) (string, string, error) {
	return execute(common.NewFactory(), newCmd, args)
}

// testLog receives the transcript of each command; TestImportFlow points it at t.Log.
var testLog = func(string) {}

// runCluster executes `cluster`, stopping with an injected fault after the step failAfter.
// Without --mode it imports in direct mode: TestImportFlow is direct mode's end-to-end test,
// TestAgentMode agent mode's.
func runCluster(failAfter string, args ...string) (string, string, error) {
	if !slices.Contains(args, "--mode") {
		args = append(args, "--mode", "direct")
	}
	f := common.NewFactory()
	if failAfter != "" {
		f = plugintest.FailAfter(failAfter)
	}
	return execute(f, cluster.NewCmd, args)
}

func execute(f common.Factory, newCmd plugintest.NewCmd, args []string) (string, string, error) {
	r := plugintest.Run(f, newCmd, args...)
	// Shown with -v or on failure: what the user would have seen.
	testLog(fmt.Sprintf("$ kubectl import %s %s\n%s%s(error: %v)", r.Command, strings.Join(args, " "), r.Out, r.Err, r.Error))
	return r.Out, r.Err, r.Error
}

// runBinary runs the built plugin and returns stdout, stderr and the exit code.
func runBinary(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.ExitCode()
	}
	t.Fatalf("running %s: %v", cmd.Path, err)
	return "", "", 0
}

// counts are the import objects found, by kind.
type counts map[string]int

var managedBy = client.MatchingLabels{v1alpha1.ManagedByLabel: v1alpha1.ManagedByValue}

// downstreamObjects counts what imports created downstream (everything they create carries
// the managed-by label) and the namespaces labelled with a project.
func downstreamObjects(t *testing.T, c client.Client) counts {
	t.Helper()
	got := counts{}
	for kind, gvk := range map[string]schema.GroupVersionKind{
		"Namespace":          corev1.SchemeGroupVersion.WithKind("NamespaceList"),
		"ClusterRole":        rbacv1.SchemeGroupVersion.WithKind("ClusterRoleList"),
		"ClusterRoleBinding": rbacv1.SchemeGroupVersion.WithKind("ClusterRoleBindingList"),
		"ServiceAccount":     corev1.SchemeGroupVersion.WithKind("ServiceAccountList"),
		"Secret":             corev1.SchemeGroupVersion.WithKind("SecretList"),
		"Role":               rbacv1.SchemeGroupVersion.WithKind("RoleList"),
		"RoleBinding":        rbacv1.SchemeGroupVersion.WithKind("RoleBindingList"),
		"ConfigMap":          corev1.SchemeGroupVersion.WithKind("ConfigMapList"),
	} {
		got[kind] = count(t, c, gvk, managedBy)
	}
	got["project-labelled namespaces"] = count(t, c, corev1.SchemeGroupVersion.WithKind("NamespaceList"), client.HasLabels{v1alpha1.ProjectLabel})
	return got
}

// hubObjects counts the import's records in the hub, of every cluster.
func hubObjects(t *testing.T, c client.Client) counts {
	t.Helper()
	inHub := client.InNamespace(v1alpha1.HubNamespace)
	return counts{
		"ImportedCluster": count(t, c, v1alpha1.GroupVersion.WithKind("ImportedClusterList")),
		"Lease":           count(t, c, coordinationv1.SchemeGroupVersion.WithKind("LeaseList"), inHub),
		"Secret":          count(t, c, corev1.SchemeGroupVersion.WithKind("SecretList"), inHub, client.HasLabels{v1alpha1.ClusterLabel}),
	}
}

func count(t *testing.T, c client.Client, gvk schema.GroupVersionKind, opts ...client.ListOption) int {
	t.Helper()
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(gvk)
	if err := c.List(context.Background(), list, opts...); err != nil {
		t.Fatalf("listing %s: %v", gvk.Kind, err)
	}
	n := 0
	for _, item := range list.Items {
		if item.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// eventually polls cond for up to timeout; it fails the test with cond's last description.
var eventually = hubtest.Eventually

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func mustNotExist(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if err == nil {
		t.Errorf("%T %s exists, want none", obj, obj.GetName())
	} else if client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}
