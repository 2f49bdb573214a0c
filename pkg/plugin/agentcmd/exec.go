package agentcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/importer/preflight"
	"github.com/kubectl-import/kubectl-import/pkg/record"
)

// deploymentRef is how the agent's Deployment is named in the output, as kubectl names it.
const deploymentRef = "deployment.apps/" + v1alpha1.AgentDeployment

// Run checks that NAME is in agent mode and that the downstream is NAME's cluster, then sets
// the agent container's image.
func (o *UpgradeOptions) Run(ctx context.Context) error {
	clusters, err := o.Connect(o.Factory)
	if err != nil {
		return err
	}
	if clusters.Unreadable != nil {
		return reportError(clusters.Unreadable)
	}
	o.ds, o.hub = clusters.Downstream, clusters.Hub
	ic, err := record.Get(ctx, o.hub.Client, o.Name)
	if err != nil {
		return err
	}
	if err := o.checkCluster(ctx, ic); err != nil {
		return err
	}
	deploy, err := o.deployment(ctx)
	if err != nil {
		return err
	}
	i := agentContainer(deploy)
	if i < 0 {
		return fmt.Errorf("deployment %s/%s in the downstream has no container %q: it is not the agent kubectl import installs; re-run 'kubectl import cluster %s --mode agent' against this cluster to restore it",
			v1alpha1.AgentNamespace, v1alpha1.AgentDeployment, v1alpha1.AgentDeployment, o.Name)
	}
	operation := "image updated"
	if deploy.Spec.Template.Spec.Containers[i].Image == o.Image {
		operation = "image unchanged"
	} else if !o.DryRun.Client() {
		if err := o.setImage(ctx, deploy); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Out, "%s %s%s (-n %s, %s)\n", deploymentRef, operation, o.DryRun.Suffix(), v1alpha1.AgentNamespace, o.Image)
	return nil
}

// checkCluster refuses a cluster in direct mode, one not joined yet, and a downstream that is
// another cluster than NAME's.
func (o *UpgradeOptions) checkCluster(ctx context.Context, ic *v1alpha1.ImportedCluster) error {
	if !ic.Spec.AgentMode() {
		return fmt.Errorf("%s is imported in direct mode: no agent runs in it (the hub reaches its API server itself); 'kubectl import agent upgrade' applies to clusters imported with --mode agent", ic.Name)
	}
	if ic.Spec.ClusterID == "" {
		return fmt.Errorf("importedcluster %q has no spec.clusterID yet: it waits for 'kubectl import join', which installs the agent; nothing to upgrade", ic.Name)
	}
	uid, err := importer.KubeSystemUID(ctx, o.ds.Client)
	if err != nil {
		return fmt.Errorf("identifying the downstream %s: %w", o.downstreamName(), err)
	}
	if uid != ic.Spec.ClusterID {
		return fmt.Errorf("the downstream %s is not %s: its kube-system namespace UID is %s, but %s has spec.clusterID %s; choose %s's cluster with --context or --kubeconfig",
			o.downstreamName(), ic.Name, uid, ic.Name, ic.Spec.ClusterID, ic.Name)
	}
	return nil
}

// downstreamName names the downstream as the flags chose it: its context, else its API server.
func (o *UpgradeOptions) downstreamName() string {
	if f := o.ConfigFlags; f != nil && f.Context != nil && *f.Context != "" {
		return fmt.Sprintf("of --context %s (%s)", *f.Context, o.ds.Config.Host)
	}
	return "at " + o.ds.Config.Host
}

// deployment reads the agent's Deployment from the downstream.
func (o *UpgradeOptions) deployment(ctx context.Context) (*appsv1.Deployment, error) {
	deploy := &appsv1.Deployment{}
	key := client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.AgentDeployment}
	switch err := o.ds.Client.Get(ctx, key, deploy); {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("deployment %s/%s not found in the downstream: the agent is not installed; re-run 'kubectl import cluster %s --mode agent' against this cluster to install it",
			key.Namespace, key.Name, o.Name)
	case err != nil:
		return nil, fmt.Errorf("reading deployment %s/%s in the downstream: %w", key.Namespace, key.Name, err)
	}
	return deploy, nil
}

// agentContainer is the index of the agent's container, -1 when there is none.
func agentContainer(d *appsv1.Deployment) int {
	for i, c := range d.Spec.Template.Spec.Containers {
		if c.Name == v1alpha1.AgentDeployment {
			return i
		}
	}
	return -1
}

// ImagePatch is the strategic merge patch that sets the image of the agent's container and
// nothing else (containers merge by name).
func ImagePatch(image string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []map[string]any{{"name": v1alpha1.AgentDeployment, "image": image}},
		}}},
	})
}

// setImage patches the image. A server-side apply as v1alpha1.FieldManager would not do: the
// import applied the whole Deployment as that manager, so applying the image alone would
// remove every other field it set. The patch is an update by the same manager instead; a
// later 'kubectl import cluster' applies its own image again.
func (o *UpgradeOptions) setImage(ctx context.Context, deploy *appsv1.Deployment) error {
	patch, err := ImagePatch(o.Image)
	if err != nil {
		return err
	}
	opts := []client.PatchOption{client.FieldOwner(v1alpha1.FieldManager)}
	if o.DryRun.Server() {
		opts = append(opts, client.DryRunAll)
	}
	err = o.ds.Client.Patch(ctx, deploy, client.RawPatch(types.StrategicMergePatchType, patch), opts...)
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("setting the image of deployment %s/%s: %w: this needs 'patch' on deployments in %s of the downstream (a cluster-admin kubeconfig, as for 'kubectl import cluster')",
			v1alpha1.AgentNamespace, v1alpha1.AgentDeployment, err, v1alpha1.AgentNamespace)
	case err != nil:
		return fmt.Errorf("setting the image of deployment %s/%s: %w", v1alpha1.AgentNamespace, v1alpha1.AgentDeployment, err)
	}
	return nil
}

// reportError turns a failed preflight report into one error with each failure's remedy.
func reportError(r *preflight.Report) error {
	var lines []string
	for _, c := range r.Failed() {
		lines = append(lines, c.Name+": "+c.Detail)
		lines = append(lines, c.Remedy...)
	}
	if len(lines) == 0 {
		return errors.New("the downstream kubeconfig cannot be read")
	}
	return errors.New(strings.Join(lines, "\n"))
}
