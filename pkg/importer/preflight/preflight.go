// Package preflight holds the checks of an import, which only read the two clusters: the
// downstream answers, lists its nodes and can fence the agent, the caller is its cluster-admin,
// the hub is installed, and the cluster is not imported here or by another hub. A Report says
// which passed and, for each that failed, what to do.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/internal/bodylimit"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
)

// Names of the preflight checks, as printed.
const (
	CheckReachable    = "downstream answers"
	CheckNodes        = "downstream lists its nodes"
	CheckClusterAdmin = "cluster-admin in the downstream"
	CheckClusterID    = "downstream cluster ID"
	CheckKubeconfig   = "downstream kubeconfig readable"
	CheckHubInstalled = "hub installed"
	CheckNotImported  = "not already imported into this hub"
	CheckNotMarked    = "not imported by another hub"
	CheckFence        = "downstream can fence the agent"
)

// Options tune Import.
type Options struct {
	// Name is the ImportedCluster name the caller means to use: a record of that name for
	// the same cluster is a re-run, not a conflict. Empty for a standalone check.
	Name string
}

// Import runs the checks of an import of ds into hub. It only reads; it never changes
// either cluster. Checks that depend on a failed one are reported as skipped.
func Import(ctx context.Context, ds, hub *importer.Cluster, opts Options) *Report {
	r := &Report{}
	checkDownstream(ctx, r, ds, true)
	hubOK := checkHubInstalled(ctx, r, hub)
	switch {
	case !hubOK:
		r.skip(CheckNotImported, "the hub is not usable")
	case r.ClusterID == "":
		r.skip(CheckNotImported, "the cluster ID is unknown")
	default:
		checkNotImported(ctx, r, hub, opts.Name)
	}
	switch {
	case r.ClusterID == "":
		r.skip(CheckNotMarked, "the cluster ID is unknown")
	case !hubOK:
		r.skip(CheckNotMarked, "the hub is not usable")
	default:
		checkNotMarked(ctx, r, ds)
	}
	return r
}

// Join runs the downstream checks of `join`, whose hub token may read nothing but
// its registration: the downstream answers, lists its nodes, the caller is cluster-admin
// there (unless the agent was applied by other means: needAdmin false) and no other hub's
// marker is present. Whether the cluster is already imported here is the hub webhook's call.
func Join(ctx context.Context, ds *importer.Cluster, hubID string, needAdmin bool) *Report {
	r := &Report{HubID: hubID}
	checkDownstream(ctx, r, ds, needAdmin)
	if r.ClusterID == "" {
		r.skip(CheckNotMarked, "the cluster ID is unknown")
	} else {
		checkNotMarked(ctx, r, ds)
	}
	return r
}

// checkDownstream checks that the downstream answers and lists its nodes, that the caller is
// cluster-admin there (when needAdmin), and reads its cluster ID.
func checkDownstream(ctx context.Context, r *Report, ds *importer.Cluster, needAdmin bool) {
	if !checkReachable(r, ds) {
		for _, name := range []string{CheckNodes, CheckFence, CheckClusterAdmin, CheckClusterID} {
			r.skip(name, "the downstream does not answer")
		}
		return
	}
	checkNodes(ctx, r, ds)
	checkFence(r, ds)
	if needAdmin {
		checkClusterAdmin(ctx, r, ds)
	}
	if id, err := importer.KubeSystemUID(ctx, ds.Client); err != nil {
		r.fail(CheckClusterID, err.Error())
	} else {
		r.ClusterID = id
		r.pass(CheckClusterID, "%s (UID of namespace kube-system)", id)
	}
}

// Hub checks that the hub is installed and returns its ID.
func Hub(ctx context.Context, hub *importer.Cluster) (string, error) {
	r := &Report{}
	if !checkHubInstalled(ctx, r, hub) {
		c := r.Failed()[0]
		return "", fmt.Errorf("%s: %s\n%s", c.Name, c.Detail, strings.Join(c.Remedy, "\n"))
	}
	return r.HubID, nil
}

// UnreadableKubeconfig is the report when the downstream kubeconfig cannot be read,
// with the K3s remedy when permission is what is missing.
func UnreadableKubeconfig(path string, err error) *Report {
	r := &Report{}
	if errors.Is(err, fs.ErrPermission) {
		r.fail(CheckKubeconfig, fmt.Sprintf("%s: permission denied", path),
			"A K3s server writes its kubeconfig (/etc/rancher/k3s/k3s.yaml) with mode 600. Either install K3s with",
			"  curl -sfL https://get.k3s.io | sh -s - --write-kubeconfig-mode 644",
			`or set K3S_KUBECONFIG_MODE="644" in the K3s service environment and restart it,`,
			"or copy it for your user: sudo cp "+path+" ~/.kube/k3s.yaml && sudo chown $(id -u):$(id -g) ~/.kube/k3s.yaml")
	} else {
		r.fail(CheckKubeconfig, err.Error())
	}
	return r
}

func checkReachable(r *Report, ds *importer.Cluster) bool {
	dc, err := discovery.NewDiscoveryClientForConfig(ds.Config)
	if err == nil {
		var info interface{ String() string }
		info, err = dc.ServerVersion()
		if err == nil {
			r.ServerVersion = info.String()
		}
	}
	if err != nil {
		r.fail(CheckReachable, fmt.Sprintf("%s: %v", ds.Config.Host, err),
			"Check --kubeconfig/--context, and that this machine reaches the API server.")
		return false
	}
	r.pass(CheckReachable, "%s, Kubernetes %s%s", ds.Config.Host, r.ServerVersion, distributionNote(r.ServerVersion))
	return true
}

func distributionNote(version string) string {
	switch {
	case strings.Contains(version, "+k3s"):
		return " (K3s)"
	case strings.Contains(version, "+rke2"):
		return " (RKE2)"
	}
	return ""
}

// checkNodes counts the nodes, 500 a page as kubectl pages them: the metadata of thousands
// of nodes in one answer (their managedFields) is more than the plugin reads from a downstream.
func checkNodes(ctx context.Context, r *Report, ds *importer.Cluster) {
	count, next := 0, ""
	for {
		nodes := &metav1.PartialObjectMetadataList{}
		nodes.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
		if err := ds.Client.List(ctx, nodes, client.Limit(500), client.Continue(next)); err != nil {
			r.fail(CheckNodes, fmt.Sprintf("listing nodes: %v", bodylimit.Cause(err)))
			return
		}
		count += len(nodes.Items)
		if next = nodes.Continue; next == "" {
			break
		}
	}
	r.pass(CheckNodes, "%d nodes", count)
}

// checkFence checks that the downstream serves ValidatingAdmissionPolicy in
// admissionregistration.k8s.io/v1 (Kubernetes 1.30+): the import fences the agent with one
// (docs/agent-rights.md), and without it the agent would hold its RBAC unfenced.
func checkFence(r *Report, ds *importer.Cluster) {
	gv := admissionregistrationv1.SchemeGroupVersion.String()
	dc, err := discovery.NewDiscoveryClientForConfig(ds.Config)
	var resources *metav1.APIResourceList
	if err == nil {
		resources, err = dc.ServerResourcesForGroupVersion(gv)
	}
	if err != nil && !apierrors.IsNotFound(err) {
		r.fail(CheckFence, fmt.Sprintf("asking the API server for %s: %v", gv, err))
		return
	}
	if err != nil || !hasResource(resources, "validatingadmissionpolicies") || !hasResource(resources, "validatingadmissionpolicybindings") {
		r.fail(CheckFence, fmt.Sprintf("Kubernetes %s does not serve validatingadmissionpolicies.%s: the import fences its agent with a ValidatingAdmissionPolicy, and without one the agent's RBAC (bind cluster-admin, patch any namespace) would be unfenced",
			r.ServerVersion, gv),
			"Upgrade the downstream to Kubernetes 1.30 or later (ValidatingAdmissionPolicy is GA, in admissionregistration.k8s.io/v1, from 1.30 on).")
		return
	}
	r.pass(CheckFence, "serves validatingadmissionpolicies.%s", gv)
}

func checkClusterAdmin(ctx context.Context, r *Report, ds *importer.Cluster) {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "*", Group: "*", Resource: "*"},
	}}
	if err := ds.Client.Create(ctx, review); err != nil {
		r.fail(CheckClusterAdmin, fmt.Sprintf("asking the API server (SelfSubjectAccessReview): %v", err))
		return
	}
	user := WhoAmI(ctx, ds.Client)
	if review.Status.Allowed {
		r.pass(CheckClusterAdmin, "%s may do everything", user)
		return
	}
	r.fail(CheckClusterAdmin, fmt.Sprintf("%s may not do everything (importing creates a namespace, RBAC and a ServiceAccount)", user),
		"Have a cluster admin of the downstream run:",
		"  "+ClusterRoleBindingCommand(user),
		"On GKE your user is your Google account: --user $(gcloud config get-value account)")
}

// WhoAmI is the caller's user name (SelfSubjectReview), or a shell expression that finds it
// when the API server does not say.
func WhoAmI(ctx context.Context, c client.Client) string {
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, review); err != nil || review.Status.UserInfo.Username == "" {
		return "$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}')"
	}
	return review.Status.UserInfo.Username
}

// ClusterRoleBindingCommand is the command that gives user cluster-admin.
func ClusterRoleBindingCommand(user string) string {
	return "kubectl create clusterrolebinding cluster-admin-binding --clusterrole cluster-admin --user " + user
}

func checkHubInstalled(ctx context.Context, r *Report, hub *importer.Cluster) bool {
	initHint := "Install it: kubectl import init --kubeconfig <hub kubeconfig> (or choose another hub with --hub-context)"
	dc, err := discovery.NewDiscoveryClientForConfig(hub.Config)
	if err != nil {
		r.fail(CheckHubInstalled, err.Error())
		return false
	}
	resources, err := dc.ServerResourcesForGroupVersion(v1alpha1.GroupVersion.String())
	if err != nil || !hasResource(resources, "importedclusters") {
		detail := fmt.Sprintf("%s does not serve importedclusters.%s", hub.Config.Host, v1alpha1.GroupVersion.Group)
		if err != nil && !apierrors.IsNotFound(err) {
			detail = fmt.Sprintf("%s: %v", hub.Config.Host, err)
		}
		r.fail(CheckHubInstalled, detail, initHint)
		return false
	}
	var ns corev1.Namespace
	if err := hub.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.HubNamespace}, &ns); err != nil {
		r.fail(CheckHubInstalled, fmt.Sprintf("namespace %s: %v", v1alpha1.HubNamespace, err), initHint)
		return false
	}
	id, err := importer.KubeSystemUID(ctx, hub.Client)
	if err != nil {
		r.fail(CheckHubInstalled, "hub: "+err.Error())
		return false
	}
	r.HubID = id
	r.pass(CheckHubInstalled, "%s serves importedclusters.%s", hub.Config.Host, v1alpha1.GroupVersion.Group)
	return true
}

func hasResource(list *metav1.APIResourceList, name string) bool {
	for _, res := range list.APIResources {
		if res.Name == name {
			return true
		}
	}
	return false
}

func checkNotImported(ctx context.Context, r *Report, hub *importer.Cluster, name string) {
	var list v1alpha1.ImportedClusterList
	if err := hub.Client.List(ctx, &list); err != nil {
		r.fail(CheckNotImported, fmt.Sprintf("listing importedclusters: %v", err))
		return
	}
	for i := range list.Items {
		ic := &list.Items[i]
		switch {
		case ic.Spec.ClusterID == r.ClusterID && ic.Name == name:
			r.Existing = ic
		case ic.Spec.ClusterID == r.ClusterID:
			r.fail(CheckNotImported, fmt.Sprintf("this cluster (ID %s) is already imported as importedcluster %s (phase %s)",
				r.ClusterID, ic.Name, importer.PhaseOf(ic)),
				"Re-run 'kubectl import cluster "+ic.Name+"' to repair that import, or delete it first: kubectl import delete "+ic.Name)
			return
		case ic.Name == name:
			r.fail(CheckNotImported, fmt.Sprintf("importedcluster %s already exists for another cluster (ID %s; this one is %s)",
				name, ic.Spec.ClusterID, r.ClusterID), "Choose another name.")
			return
		}
	}
	if !checkClaim(ctx, r, hub, name) {
		return
	}
	if r.Existing != nil {
		r.pass(CheckNotImported, "importedcluster %s is this cluster (phase %s): re-running converges it", name, importer.PhaseOf(r.Existing))
		return
	}
	r.pass(CheckNotImported, "no importedcluster has cluster ID %s", r.ClusterID)
}

// checkClaim fails when another name holds the identity claim (an interrupted import).
func checkClaim(ctx context.Context, r *Report, hub *importer.Cluster, name string) bool {
	var lease coordinationv1.Lease
	key := client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: v1alpha1.IdentityClaimName(r.ClusterID)}
	err := hub.Client.Get(ctx, key, &lease)
	if apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		r.fail(CheckNotImported, fmt.Sprintf("reading the identity claim lease %s: %v", key.Name, err))
		return false
	}
	holder := importer.ClaimHolder(&lease)
	if name != "" && holder == name {
		return true
	}
	r.fail(CheckNotImported, fmt.Sprintf("cluster ID %s is claimed by importedcluster %s (lease %s/%s)", r.ClusterID, holder, key.Namespace, key.Name),
		"An import named "+holder+" was interrupted: re-run 'kubectl import cluster "+holder+"',",
		"or drop the claim: kubectl -n "+key.Namespace+" delete lease "+key.Name)
	return false
}

func checkNotMarked(ctx context.Context, r *Report, ds *importer.Cluster) {
	var marker corev1.ConfigMap
	err := ds.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}, &marker)
	switch {
	case apierrors.IsNotFound(err):
		r.pass(CheckNotMarked, "no %s/%s marker", v1alpha1.AgentNamespace, v1alpha1.MarkerConfigMap)
	case err != nil:
		r.fail(CheckNotMarked, fmt.Sprintf("reading the marker %s/%s: %v", v1alpha1.AgentNamespace, v1alpha1.MarkerConfigMap, err))
	case marker.Data[v1alpha1.MarkerHubID] == r.HubID:
		r.pass(CheckNotMarked, "the marker names this hub")
	default:
		r.fail(CheckNotMarked, fmt.Sprintf("the marker %s/%s says the cluster is imported as %q by hub %s (hub ID %s)",
			v1alpha1.AgentNamespace, v1alpha1.MarkerConfigMap, marker.Data[v1alpha1.MarkerClusterName], marker.Data[v1alpha1.MarkerHubServer], marker.Data[v1alpha1.MarkerHubID]),
			"Delete it from that hub first: kubectl import delete "+marker.Data[v1alpha1.MarkerClusterName]+" --hub-context <that hub>,",
			"or, if that hub no longer exists: kubectl -n "+v1alpha1.AgentNamespace+" delete configmap "+v1alpha1.MarkerConfigMap)
	}
}
