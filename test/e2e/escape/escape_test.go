package escape

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/testenv/hubtest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/k3stest"
	"github.com/kubectl-import/kubectl-import/internal/testenv/plugintest"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin"
)

// hostile is text a compromised agent or downstream writes where the plugin shows it: it
// would retitle the terminal (OSC 0, ended by BEL), clear the screen, move the cursor home
// (the 8-bit CSI U+009B), overwrite the line (CR) and forge a row.
const hostile = "\x1b]0;owned\x07\x1b[2J\u009bH\rprod\tActive\nfake"

// escaped is hostile as the plugin prints it.
const escaped = `^[]0;owned\x07^[[2J\u009bH\rprod\tActive\nfake`

// TestHostileTextIsEscaped writes hostile text through the real API server everywhere a
// downstream or an agent can put text the plugin prints: ImportedCluster status (condition
// message, Kubernetes version, projects, capability values, failed upgrade jobs), an event,
// a failed upgrade Job and a node's K3s arguments in the downstream. Every human-readable
// output shows it escaped and carries no raw control character; -o json keeps it intact.
func TestHostileTextIsEscaped(t *testing.T) {
	c := k3stest.Start(t)
	ctx := context.Background()
	name := k3stest.Name
	var ic v1alpha1.ImportedCluster
	if err := c.Client.Get(ctx, client.ObjectKey{Name: name}, &ic); err != nil {
		t.Fatal(err)
	}
	to := "v1.37.3+k3s1"
	ic.Spec.K3s = &v1alpha1.K3sSpec{Version: to, UpgradeStrategy: v1alpha1.UpgradeStrategy{ServerConcurrency: 1, WorkerConcurrency: 1}}
	if err := c.Client.Update(ctx, &ic); err != nil {
		t.Fatal(err)
	}
	at := metav1.NewTime(time.Now().Add(-time.Minute))
	ic.Status.KubernetesVersion = "v1.37.2+k3s1" + hostile
	ic.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionConnected, Status: metav1.ConditionFalse, Reason: "Unreachable", Message: hostile, LastTransitionTime: at}}
	ic.Status.Projects = []v1alpha1.Project{{Name: "Default", Namespaces: []string{"default", hostile}}}
	ic.Status.Capabilities = []v1alpha1.CapabilityStatus{{Name: "taintSupport", Value: hostile, Source: "detected"}}
	ic.Status.Upgrade = &v1alpha1.UpgradeStatus{TargetVersion: to, FailedJobs: []v1alpha1.FailedJob{{Job: "apply-x", Node: "k3s-agent-1", Message: hostile}}}
	if err := c.Client.Status().Update(ctx, &ic); err != nil {
		t.Fatalf("writing hostile status: %v", err)
	}
	hubtest.Record(t, c.Client, &ic, "Warning", "Unreachable", hostile, at.Time, 1)

	// The downstream (here the same cluster): a failed upgrade Job and a node's arguments.
	if err := k3sops.ApplyPlans(ctx, dynamic.NewForConfigOrDie(c.Config), &ic); err != nil {
		t.Fatal(err)
	}
	sim := k3stest.NewSUC(t, c.Config)
	sim.Job("apply-k3s-worker-plan-on-k3s-agent-2", v1alpha1.WorkerPlan, "k3s-agent-2", true)
	failJobWith(t, sim, "apply-k3s-worker-plan-on-k3s-agent-2", hostile)
	var node corev1.Node
	if err := c.Client.Get(ctx, client.ObjectKey{Name: "k3s-agent-1"}, &node); err != nil {
		t.Fatal(err)
	}
	node.Annotations["k3s.io/node-args"] = `["agent","--node-label","` + strings.NewReplacer("\x1b", `\u001b`, "\x07", `\u0007`, "\r", `\r`, "\t", `\t`, "\n", `\n`).Replace(hostile) + `"]`
	if err := c.Client.Update(ctx, &node); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"describe", name},
		{"list"},
		{"list", "-o", "wide"},
		{"projects", name},
		{"capabilities", name},
		{"upgrade", "status", name},
		{"node-config", name},
	} {
		if slices.Contains([]string{"capabilities", "upgrade", "node-config"}, args[0]) {
			args = append(args, k3stest.Local(c)...) // they read the downstream: as the import agent
		}
		r := plugintest.Execute(c, plugin.NewCmdImport, args...)
		if r.Error != nil {
			t.Fatalf("%s: %v\n%s", args, r.Error, r.Err)
		}
		for stream, out := range map[string]string{"stdout": r.Out, "stderr": r.Err} {
			if i := strings.IndexFunc(out, func(r rune) bool { return (r < ' ' && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) }); i >= 0 {
				t.Errorf("kubectl import %s: raw control character %q in %s:\n%q", strings.Join(args, " "), out[i], stream, out)
			}
		}
		// capabilities reads the downstream live (describe shows the recorded values).
		if args[0] != "capabilities" && !strings.Contains(r.Out, escaped) {
			t.Errorf("kubectl import %s does not show the text escaped (%s):\n%s", strings.Join(args, " "), escaped, r.Out)
		}
	}
	// Machine-readable output keeps the text as stored, JSON-encoded.
	out := plugintest.Execute(c, plugin.NewCmdImport, "describe", name, "-o", "json").Stdout(t)
	if !strings.Contains(out, `\u001b]0;owned\u0007`) || strings.Contains(out, "\x1b") {
		t.Errorf("describe -o json:\n%s", out)
	}
}

// failJobWith rewrites the failure message of a failed Job, as a Job's pods can make it say.
func failJobWith(t *testing.T, sim k3stest.SUC, name, message string) {
	t.Helper()
	ctx := context.Background()
	j, err := sim.CS.BatchV1().Jobs(v1alpha1.AgentNamespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == batchv1.JobFailed {
			j.Status.Conditions[i].Message = message
		}
	}
	if _, err := sim.CS.BatchV1().Jobs(v1alpha1.AgentNamespace).UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("rewriting the message of job %s: %v", name, err)
	}
}
