package upgrader

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/k3sops"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// DebugOptions of `upgrader debug on|off NAME`.
type DebugOptions struct {
	common.DownstreamOptions
	On bool
}

// Complete takes on|off and NAME.
func (o *DebugOptions) Complete(args []string) error {
	o.On = args[0] == "on"
	return o.DownstreamOptions.Complete(args[1:])
}

// Run sets the debug key and, when it changed, restarts the controller.
func (o *DebugOptions) Run(ctx context.Context) error {
	cs, _, err := clientset(ctx, &o.DownstreamOptions)
	if err != nil {
		return err
	}
	d, err := k3sops.ControllerDeployment(ctx, cs)
	if err != nil {
		return noController(err, o.Name)
	}
	cm, changed, err := k3sops.SetDebug(ctx, cs, d, o.On)
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(o.Out, "configmap/%s unchanged (%s is already %t)\n", cm, v1alpha1.UpgradeControllerDebug, o.On)
		return nil
	}
	fmt.Fprintf(o.Out, "configmap/%s configured (%s=%t)\n", cm, v1alpha1.UpgradeControllerDebug, o.On)
	return restart(ctx, cs, o.Name, o.Out)
}

// RestartOptions of `upgrader restart NAME`.
type RestartOptions struct {
	common.DownstreamOptions
}

// Run deletes the controller's pods; its ReplicaSet starts new ones.
func (o *RestartOptions) Run(ctx context.Context) error {
	cs, _, err := clientset(ctx, &o.DownstreamOptions)
	if err != nil {
		return err
	}
	return restart(ctx, cs, o.Name, o.Out)
}

func restart(ctx context.Context, cs kubernetes.Interface, name string, out io.Writer) error {
	d, err := k3sops.ControllerDeployment(ctx, cs)
	if err != nil {
		return noController(err, name)
	}
	deleted, err := k3sops.RestartController(ctx, cs, d)
	for _, p := range deleted {
		fmt.Fprintf(out, "pod/%s deleted\n", p)
	}
	if err != nil {
		return err
	}
	if len(deleted) == 0 {
		fmt.Fprintf(out, "deployment.apps/%s has no pod to restart: its ReplicaSet starts one\n", d.Name)
	}
	return nil
}

// LogsOptions of `upgrader logs NAME [-f]`.
type LogsOptions struct {
	common.DownstreamOptions
	Follow bool
}

// Run prints the logs of the controller's newest pod, as `kubectl logs` would.
func (o *LogsOptions) Run(ctx context.Context) error {
	cs, cfg, err := clientset(ctx, &o.DownstreamOptions)
	if err != nil {
		return err
	}
	d, err := k3sops.ControllerDeployment(ctx, cs)
	if err != nil {
		return noController(err, o.Name)
	}
	pods, err := k3sops.ControllerPods(ctx, cs, d)
	if err != nil {
		return err
	}
	if len(pods) == 0 {
		return fmt.Errorf("deployment.apps/%s in %s has no pod yet", d.Name, d.Namespace)
	}
	if o.Follow { // a stream may last longer than one request's timeout
		streaming := *cfg
		streaming.Timeout = 0
		if cs, err = o.Factory.Clientset(&streaming); err != nil {
			return err
		}
	}
	req := cs.CoreV1().Pods(d.Namespace).GetLogs(pods[0].Name, &corev1.PodLogOptions{Container: v1alpha1.UpgradeControllerContainer, Follow: o.Follow})
	// Copied to the terminal as it arrives, 32 KiB a read: bounded per read, not in length.
	stream, err := req.Stream(bodylimit.WithLimits(ctx, bodylimit.Limits{}))
	if err != nil {
		return kubectlError(err)
	}
	defer stream.Close()
	_, err = io.Copy(o.Out, stream)
	return err
}

// PlansOptions of `upgrader plans NAME`.
type PlansOptions struct {
	common.DownstreamOptions
}

// Run lists the plans in cattle-system.
func (o *PlansOptions) Run(ctx context.Context) error {
	_, cfg, err := o.Reach(ctx)
	if err != nil {
		return err
	}
	dyn, err := o.Factory.Dynamic(cfg)
	if err != nil {
		return err
	}
	plans, err := dyn.Resource(v1alpha1.PlanGVR).Namespace(v1alpha1.AgentNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return kubectlError(err)
	}
	if !o.Output.Human() {
		// As kubectl prints a listing: a v1 List without a resourceVersion.
		list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List",
			"metadata": map[string]any{"resourceVersion": ""}}, Items: plans.Items}
		return o.Output.PrintObj(list, o.Out)
	}
	if len(plans.Items) == 0 {
		fmt.Fprintf(o.ErrOut, "No resources found in %s namespace.\n", v1alpha1.AgentNamespace)
		return nil
	}
	rows := make([][]string, 0, len(plans.Items))
	now := time.Now()
	for _, p := range plans.Items {
		image, _, _ := unstructured.NestedString(p.Object, "spec", "upgrade", "image")
		version, _, _ := unstructured.NestedString(p.Object, "spec", "version")
		applying, _, _ := unstructured.NestedStringSlice(p.Object, "status", "applying")
		rows = append(rows, []string{p.GetName(), image, common.ValueOrNone(version), fmt.Sprint(len(applying)), common.Age(p.GetCreationTimestamp(), now)})
	}
	return o.Output.PrintTable(o.Out, []string{"NAME", "IMAGE", "VERSION", "APPLYING", "AGE"}, rows)
}
