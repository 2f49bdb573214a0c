package join

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/hubdiscovery"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
	"github.com/kubectl-import/kubectl-import/pkg/importer/preflight"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// Step names, in order.
const (
	StepSetIdentity     = "set-identity"
	StepApplyDownstream = "apply-downstream"
	StepHandOver        = "hand-over"
	// Agent mode: the agent gets a bootstrap token of its own hub identity instead.
	StepInstallAgent = "install-agent"
	StepRevokeToken  = "revoke-token"
	StepWaitActive   = "wait-active"
)

// Run pins the hub CA, finds the registration, checks the downstream, then runs each step.
// Nothing is sent to the hub before the pin matched, and nothing is written before the
// downstream checks passed.
func (o *Options) Run(ctx context.Context) error {
	log := o.Out
	if o.DryRun.Client() {
		log = o.ErrOut // the manifest owns stdout
	}
	if err := o.connect(); err != nil {
		return err
	}
	var err error
	if o.pin, err = hubca.ParseChecksum(o.CAChecksum); err != nil { // checked by Validate
		return err
	}
	caPEM, ca, err := hubdiscovery.Fetch(ctx, o.HubURL, o.pin)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "hub CA %s verified (found in %s, subject %q)\n", ca.Checksum, ca.Source, ca.Cert.Subject.String())
	hub, err := common.Connect(o.Factory, joinflow.HubConfig(o.HubURL, caPEM, o.Token))
	if err != nil {
		return err
	}
	ic, err := joinflow.TokenRegistration(ctx, hub)
	var refused *joinflow.TokenRefusedError
	if errors.As(err, &refused) && !o.DryRun.Client() && o.handedOver(ctx, refused.Name) {
		// A re-run after the hand-over: the token revoked itself then; only the wait is left.
		fmt.Fprintf(o.Out, "the credentials of %s were handed over by an earlier run (its join token is revoked)\n", v1alpha1.Ref(refused.Name))
		return o.waitActive(ctx, refused.Name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "the join token completes %s (phase %s)\n", v1alpha1.Ref(ic.Name), importer.PhaseOf(ic))
	req, err := o.request(ctx, log, ic)
	if err != nil {
		return err
	}
	if o.DryRun.Client() {
		return o.printManifest(ctx, req)
	}
	steps := o.steps(hub, req)
	if req.Mode == v1alpha1.ModeAgent {
		// Checked before any step writes: the agent's pod would not start without it.
		if err := importer.CheckAgentEnvSecrets(ctx, o.ds.Client, o.Agent.Agent.Env); err != nil {
			return err
		}
		steps = o.agentSteps(hub, ic, req, caPEM)
	}
	return o.Factory.RunSteps(ctx, o.Out, steps)
}

// handedOver says whether this downstream's marker names registration name of this hub: an
// earlier join got as far as applying the agent, and the token refused since means it then
// handed the credentials over and revoked itself.
func (o *Options) handedOver(ctx context.Context, name string) bool {
	reg, ok := joinflow.MarkerRegistration(ctx, o.ds.Client)
	return ok && name != "" && reg.ClusterName == name && strings.TrimSuffix(reg.HubServer, "/") == strings.TrimSuffix(o.HubURL, "/")
}

// request runs the downstream checks and describes the import of this downstream into ic.
func (o *Options) request(ctx context.Context, log io.Writer, ic *v1alpha1.ImportedCluster) (importer.Request, error) {
	hubID := ic.Annotations[v1alpha1.HubIDAnnotation]
	if hubID == "" {
		return importer.Request{}, fmt.Errorf("importedcluster %s has no %s annotation (it was not made by 'kubectl import create'): ask the hub admin to delete it and run 'kubectl import create %s'",
			ic.Name, v1alpha1.HubIDAnnotation, ic.Name)
	}
	report := preflight.Join(ctx, o.ds, hubID, !o.AgentApplied && !o.DryRun.Client())
	report.Write(log, common.IsTerminal(log))
	if err := report.Err(); err != nil {
		return importer.Request{}, err
	}
	if ic.Spec.ClusterID != "" && ic.Spec.ClusterID != report.ClusterID {
		return importer.Request{}, fmt.Errorf("importedcluster %s was joined by another cluster (cluster ID %s; this one is %s): this token cannot import this cluster; ask the hub admin for a registration of its own ('kubectl import create NEWNAME')",
			ic.Name, ic.Spec.ClusterID, report.ClusterID)
	}
	return importer.NewRequest(ctx, o.ds, importer.Request{Name: ic.Name, DisplayName: ic.Spec.DisplayName, Members: ic.Spec.Members,
		Mode: o.Agent.Mode, HubID: hubID, HubServer: o.HubURL}, o.AdvertiseAddress)
}

func (o *Options) steps(hub *importer.Cluster, req importer.Request) []importer.Step {
	var token string // the agent token: passed from the downstream to the hub, never printed
	apply := importer.Step{Name: StepApplyDownstream, Title: "create the import agent in the downstream", Run: func(ctx context.Context) (err error) {
		token, err = importer.ApplyDownstream(ctx, o.ds.Client, req, o.Out)
		return err
	}}
	if o.AgentApplied {
		apply = importer.Step{Name: StepApplyDownstream, Title: "read the agent applied by other means", Run: func(ctx context.Context) (err error) {
			token, err = joinflow.AppliedAgentToken(ctx, o.ds.Client, req, o.Out)
			return err
		}}
	}
	return []importer.Step{
		{Name: StepSetIdentity, Title: "record the cluster's identity in the hub", Run: func(ctx context.Context) error {
			return joinflow.SetIdentity(ctx, hub, req, o.Out)
		}},
		apply,
		{Name: StepHandOver, Title: "hand the agent's credentials to the hub", Run: func(ctx context.Context) error {
			return joinflow.HandOverCredentials(ctx, hub, req, token, o.Out)
		}},
		// The token's work is done: it dies now, not when the cluster becomes Active.
		{Name: StepRevokeToken, Title: "revoke the join token", Run: func(ctx context.Context) error {
			return joinflow.RevokeOwnToken(ctx, hub, req.Name, o.Out)
		}},
		{Name: StepWaitActive, Title: "wait until the hub reports the cluster Active", Run: func(ctx context.Context) error {
			return o.waitActive(ctx, req.Name)
		}},
	}
}

// agentSteps join in agent mode: the join token requests a bootstrap token of the cluster's
// agent (all its RBAC allows besides completing the registration), which goes to the
// downstream with the agent; the hub gets no downstream credential.
func (o *Options) agentSteps(hub *importer.Cluster, ic *v1alpha1.ImportedCluster, req importer.Request, caPEM []byte) []importer.Step {
	return []importer.Step{
		{Name: StepSetIdentity, Title: "record the cluster's identity in the hub", Run: func(ctx context.Context) error {
			return joinflow.SetIdentity(ctx, hub, req, o.Out)
		}},
		{Name: StepApplyDownstream, Title: "create the agent's rights and fence in the downstream", Run: func(ctx context.Context) error {
			_, err := importer.ApplyDownstream(ctx, o.ds.Client, req, o.Out)
			return err
		}},
		{Name: StepInstallAgent, Title: "install kimport-agent with a bootstrap token of its own hub identity", Run: func(ctx context.Context) error {
			uid := ic.Annotations[v1alpha1.AgentBootstrapAnnotation]
			if uid == "" {
				return fmt.Errorf("importedcluster %s has no %s annotation (made by an older 'kubectl import create'): ask the hub admin to run 'kubectl import create %s --rotate-token', or join with --mode direct",
					ic.Name, v1alpha1.AgentBootstrapAnnotation, ic.Name)
			}
			token, err := importer.IssueBootstrapToken(ctx, hub.Client, ic.Name, types.UID(uid), o.Out)
			if err != nil {
				return err
			}
			pin := importer.HubPin{Server: o.HubURL, CAData: caPEM, Checksum: o.pin}
			return importer.InstallAgent(ctx, o.ds.Client, ic.Name, pin, token, o.Agent.Agent, o.Out)
		}},
		{Name: StepRevokeToken, Title: "revoke the join token", Run: func(ctx context.Context) error {
			return joinflow.RevokeOwnToken(ctx, hub, req.Name, o.Out)
		}},
		{Name: StepWaitActive, Title: "wait until the agent reports and the hub shows the cluster Active", Run: func(ctx context.Context) error {
			return o.waitActive(ctx, req.Name)
		}},
	}
}

// waitActive follows the phase the hub writes into the downstream marker: the join token is
// revoked by now, so the downstream is where join learns how the hub sees the cluster.
func (o *Options) waitActive(ctx context.Context, name string) error {
	ref := v1alpha1.Ref(name)
	if !o.Wait {
		fmt.Fprintf(o.Out, "%s joined; not waiting (the hub admin follows it with: kubectl import describe %s)\n", ref, name)
		return nil
	}
	shown := ""
	err := wait.PollUntilContextTimeout(ctx, importer.PollInterval, o.Timeout, true, func(ctx context.Context) (bool, error) {
		phase := joinflow.MarkerPhase(ctx, o.ds.Client, name)
		if phase != "" && phase != shown {
			shown = phase
			fmt.Fprintf(o.Out, "%s: %s (as the hub reports it in %s/%s)\n", ref, common.Escape(phase), v1alpha1.AgentNamespace, v1alpha1.MarkerConfigMap)
		}
		return phase == string(v1alpha1.PhaseActive), nil
	})
	if err != nil {
		if shown == "" {
			shown = "the hub has not reached the downstream yet"
		}
		return fmt.Errorf("%s is not Active after %s (last seen: %s): the hub admin sees why with 'kubectl import describe %s'; re-run this command to keep waiting",
			ref, o.Timeout, shown, name)
	}
	fmt.Fprintf(o.Out, "%s Active (the cluster is managed from the hub)\n", ref)
	return nil
}

// printManifest prints the downstream objects for GitOps or air-gapped use, with how to
// finish the registration once they are applied.
func (o *Options) printManifest(ctx context.Context, req importer.Request) error {
	exists, err := importer.AgentNamespaceExists(ctx, o.ds.Client)
	if err != nil {
		return err
	}
	objs, err := joinflow.AgentManifest(req, exists)
	if err != nil {
		return err
	}
	list := common.List(objs)
	finish := fmt.Sprintf(`The downstream manifest of %[4]s. Apply it to the downstream cluster by your
own means (kubectl apply -f, or commit it where your GitOps tool syncs from), then finish the
registration before the join token expires, from anywhere that can read the downstream's
namespace kube-system and the marker and request a token for cattle-system/kimport-agent:
  kubectl import join --hub %[2]s --token-file <FILE> --ca-checksum %[3]s --agent-applied
These objects belong to the tool that applies them: to disconnect, remove them there as
well as running 'kubectl import delete %[1]s' on the hub.`, req.Name, o.HubURL, o.pin, v1alpha1.Ref(req.Name))
	if o.Output.Format == common.OutputYAML {
		fmt.Fprintf(o.Out, "%s\n", common.CommentLines(finish))
	} else {
		fmt.Fprintln(o.ErrOut, finish)
	}
	return o.Output.PrintObj(list, o.Out)
}
