package cluster

import (
	"context"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-import/kubectl-import/deploy"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Step names, in order.
const (
	StepClaimIdentity   = "claim-identity"
	StepApplyDownstream = "apply-downstream"
	// With --install-inventory-crds only.
	StepInventoryCRDs = "inventory-crds"
	StepRegister      = "register"
	// Agent mode only.
	StepAgentIdentity = "agent-identity"
	StepInstallAgent  = "install-agent"
	StepWaitActive    = "wait-active"
)

// Run runs preflight and then each step. Nothing is created when preflight fails.
func (o *Options) Run(ctx context.Context) error {
	// YAML of a dry run owns stdout; progress then goes to stderr.
	log := o.Out
	if o.DryRun.Client() {
		log = o.ErrOut
	}
	clusters, err := o.Connect(o.Factory)
	if err != nil {
		return err
	}
	report := clusters.Preflight(ctx, o.Name)
	report.Write(log, common.IsTerminal(log))
	if err := report.Err(); err != nil {
		return err
	}
	o.ds, o.hub = clusters.Downstream, clusters.Hub
	req, err := importer.NewRequest(ctx, o.ds, importer.Request{Name: o.Name, DisplayName: o.DisplayName, Members: o.Members,
		Mode: o.Agent.Mode, HubID: report.HubID, HubServer: o.hub.Config.Host}, o.AdvertiseAddress)
	if err != nil {
		return err
	}
	if o.DryRun.Client() {
		if req.Mode == v1alpha1.ModeAgent {
			if req.Hub, err = importer.HubPinOf(o.hub); err != nil {
				return err
			}
			req.Agent = o.Agent.Agent
		}
		return o.printDryRun(ctx, req)
	}
	if ic := report.Existing; ic != nil && ic.Status.Phase == v1alpha1.PhaseActive && req.SpecMatches(ic) {
		fmt.Fprintf(o.Out, "%s unchanged (already Active)\n", v1alpha1.Ref(o.Name))
		return nil
	}
	if req.Mode == v1alpha1.ModeAgent { // what the agent step needs, checked before any step writes
		if _, err := importer.HubPinOf(o.hub); err != nil {
			return err
		}
		if err := importer.CheckAgentEnvSecrets(ctx, o.ds.Client, o.Agent.Agent.Env); err != nil {
			return err
		}
	}
	return o.Factory.RunSteps(ctx, o.Out, o.steps(req))
}

func (o *Options) steps(req importer.Request) []importer.Step {
	steps := o.modeSteps(req)
	if !o.InstallInventoryCRDs {
		return steps
	}
	// Before the wait: the first sync then finds the About API.
	crd := importer.Step{Name: StepInventoryCRDs, Title: "install the About API's ClusterProperty CRD in the downstream unless it has one", Run: func(ctx context.Context) error {
		return importer.InstallInventoryCRD(ctx, o.ds.Client, deploy.ClusterPropertyCRD, o.Out)
	}}
	return append(steps[:len(steps)-1:len(steps)-1], crd, steps[len(steps)-1])
}

func (o *Options) modeSteps(req importer.Request) []importer.Step {
	if req.Mode == v1alpha1.ModeAgent {
		return o.agentSteps(req)
	}
	var token string // the agent token: passed from the downstream to the hub, never printed
	return []importer.Step{
		{Name: StepClaimIdentity, Title: "claim the cluster's identity in the hub", Run: func(ctx context.Context) error {
			return importer.ClaimIdentity(ctx, o.hub.Client, req, o.Out)
		}},
		{Name: StepApplyDownstream, Title: "create the import agent in the downstream", Run: func(ctx context.Context) (err error) {
			token, err = importer.ApplyDownstream(ctx, o.ds.Client, req, o.Out)
			return err
		}},
		{Name: StepRegister, Title: "register the cluster and its credentials in the hub", Run: func(ctx context.Context) error {
			_, err := importer.Register(ctx, o.hub.Client, req, token, o.Out)
			return err
		}},
		{Name: StepWaitActive, Title: "wait until the hub reports the cluster Active", Run: o.waitActive},
	}
}

// agentSteps import in agent mode: the downstream gets the agent and a bootstrap token of its
// own hub identity; the hub gets no downstream credential.
func (o *Options) agentSteps(req importer.Request) []importer.Step {
	var ic *v1alpha1.ImportedCluster
	var bootstrap string // passed from the hub to the downstream, never printed
	return []importer.Step{
		{Name: StepClaimIdentity, Title: "claim the cluster's identity in the hub", Run: func(ctx context.Context) error {
			return importer.ClaimIdentity(ctx, o.hub.Client, req, o.Out)
		}},
		{Name: StepApplyDownstream, Title: "create the agent's rights and fence in the downstream", Run: func(ctx context.Context) error {
			_, err := importer.ApplyDownstream(ctx, o.ds.Client, req, o.Out)
			return err
		}},
		{Name: StepRegister, Title: "register the cluster in the hub", Run: func(ctx context.Context) (err error) {
			ic, err = importer.Register(ctx, o.hub.Client, req, "", o.Out)
			return err
		}},
		{Name: StepAgentIdentity, Title: "create the agent's own identity in the hub", Run: func(ctx context.Context) error {
			uid, err := importer.ApplyAgentIdentity(ctx, o.hub.Client, ic, o.Out)
			if err == nil {
				bootstrap, err = importer.IssueBootstrapToken(ctx, o.hub.Client, ic.Name, uid, o.Out)
			}
			return err
		}},
		{Name: StepInstallAgent, Title: "install kimport-agent in the downstream", Run: func(ctx context.Context) error {
			pin, err := importer.HubPinOf(o.hub)
			if err != nil {
				return err
			}
			return importer.InstallAgent(ctx, o.ds.Client, o.Name, pin, bootstrap, o.Agent.Agent, o.Out)
		}},
		{Name: StepWaitActive, Title: "wait until the agent reports and the hub shows the cluster Active", Run: o.waitActive},
	}
}

func (o *Options) waitActive(ctx context.Context) error {
	ref := v1alpha1.Ref(o.Name)
	if !o.Wait {
		fmt.Fprintf(o.Out, "%s registered; not waiting (follow it with: kubectl get importedcluster %s -w)\n", ref, o.Name)
		return nil
	}
	tty := common.IsTerminal(o.Out)
	ic, err := importer.WaitActive(ctx, o.hub.Client, o.Name, o.Timeout, func(ic *v1alpha1.ImportedCluster) {
		writeProgress(o.Out, tty, ref, ic)
	})
	if tty {
		fmt.Fprintln(o.Out)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%s Active%s\n", ref, common.Escape(summary(ic)))
	return nil
}

// writeProgress redraws one line on a terminal; elsewhere it prints a line per change. The
// conditions' reasons come from the hub component and the agent: escaped.
func writeProgress(w io.Writer, tty bool, ref string, ic *v1alpha1.ImportedCluster) {
	progress := common.Escape(importer.Progress(ic))
	if tty {
		fmt.Fprintf(w, "\r\033[K%s: %s", ref, progress)
		return
	}
	fmt.Fprintf(w, "%s: %s\n", ref, progress)
}

func summary(ic *v1alpha1.ImportedCluster) string {
	s := ""
	if ic.Status.Distribution != "" {
		s += " " + string(ic.Status.Distribution)
	}
	if ic.Status.KubernetesVersion != "" {
		s += " " + ic.Status.KubernetesVersion
	}
	if ic.Status.Nodes != nil {
		s += fmt.Sprintf(", %d/%d nodes ready", ic.Status.Nodes.Ready, ic.Status.Nodes.Total)
	}
	if s == "" {
		return ""
	}
	return " (" + s[1:] + ")"
}

// printDryRun prints, as one List, every object the import would apply; it reads the
// downstream only to know whether cattle-system exists.
func (o *Options) printDryRun(ctx context.Context, req importer.Request) error {
	exists, err := importer.AgentNamespaceExists(ctx, o.ds.Client)
	if err != nil {
		return err
	}
	objs, err := importer.DryRunObjects(req, exists)
	if err != nil {
		return err
	}
	if o.InstallInventoryCRDs {
		crd, err := importer.InventoryCRD(deploy.ClusterPropertyCRD)
		if err != nil {
			return err
		}
		objs = append([]*unstructured.Unstructured{crd}, objs...)
	}
	list := common.List(objs)
	return o.Output.PrintResult(list, "created (dry run)", o.Out)
}
