package twostep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/hubca"
	"github.com/kubectl-import/kubectl-import/pkg/hubdiscovery"
	joinflow "github.com/kubectl-import/kubectl-import/pkg/importer/join"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/create"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/join"
)

// TestTwoStepImport drives create on the hub and join on downstreams against real control
// planes: a hub with envtest's self-signed CA running the reconciler and the webhook
// in-process (called by the API server over TLS), and three downstreams. The subtests share
// the clusters and run in order.
func TestTwoStepImport(t *testing.T) {
	hub, downstreams := startHub(t, "edge", "late", "gitops")
	edge, late, gitops := downstreams[0], downstreams[1], downstreams[2]
	ctx := context.Background()
	hubFlags := []string{"--hub-kubeconfig", hub.Kubeconfig}
	ds := func(c *testenv.Cluster) []string { return []string{"--kubeconfig", c.Kubeconfig} }
	ca, err := hubdiscovery.FromConfig(hub.Config)
	if err != nil {
		t.Fatal(err)
	}
	var edgeJoin joinCommand

	t.Run("create registers a Pending cluster and prints the join command with its prerequisites", func(t *testing.T) {
		out, _, err := runCreate(append(hubFlags, "edge", "--member", "User:alice=cluster-owner", "--member", "Group:devs=cluster-member")...)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		edgeJoin = parseJoin(t, out)
		mustContain(t, "create output", out,
			"importedcluster.kimport.dev/edge serverside-applied",
			"serviceaccount/kimport-join-edge serverside-applied",
			"kubectl create clusterrolebinding cluster-admin-binding --clusterrole cluster-admin --user",
			"--rotate-token")
		if edgeJoin.hub != strings.TrimSuffix(hub.Config.Host, "/") || edgeJoin.checksum != hubca.Checksum(ca) {
			t.Errorf("join command names hub %s and %s, want %s and %s", edgeJoin.hub, edgeJoin.checksum, hub.Config.Host, hubca.Checksum(ca))
		}
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "edge"}, &ic); err != nil {
			t.Fatal(err)
		}
		if ic.Spec.ClusterID != "" || len(ic.Spec.Members) != 2 || ic.Annotations[v1alpha1.JoinExpiresAnnotation] == "" {
			t.Errorf("registration = %+v, annotations %v; want no clusterID, 2 members and an expiry", ic.Spec, ic.Annotations)
		}
		eventually(t, 20*time.Second, func() (bool, string) {
			_ = hub.Client.Get(ctx, client.ObjectKey{Name: "edge"}, &ic)
			return ic.Status.Phase == v1alpha1.PhasePending, fmt.Sprintf("phase %q, want Pending", ic.Status.Phase)
		})
		// A client dry run prints what would be applied, issues no token and changes nothing.
		dry, _, err := runCreate(append(hubFlags, "dry", "--dry-run=client", "-o", "yaml")...)
		if err != nil {
			t.Fatalf("create --dry-run: %v", err)
		}
		mustContain(t, "create --dry-run -o yaml", dry, "kind: ImportedCluster", "kind: ServiceAccount", "name: kimport-join-dry", "resourceNames:")
		if strings.Contains(dry, "eyJ") || strings.Contains(dry, "kubectl import join") {
			t.Errorf("the dry run printed a token or a join command:\n%s", redact(dry))
		}
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "dry"}, &v1alpha1.ImportedCluster{}); !apierrors.IsNotFound(err) {
			t.Errorf("importedcluster dry after a dry run: %v, want none", err)
		}
		// A second create would issue a second live token: it must say how to rotate.
		_, _, err = runCreate(append(hubFlags, "edge")...)
		if err == nil || !strings.Contains(err.Error(), "--rotate-token") {
			t.Errorf("second create = %v, want a refusal naming --rotate-token", err)
		}
	})

	t.Run("the join token can read and change nothing but its own registration", func(t *testing.T) {
		// Another registration and a Secret that are not the token's; -o json hands the
		// command over as a document, what was applied goes to stderr.
		out, errOut, err := runCreate(append(hubFlags, "other", "-o", "json")...)
		if err != nil {
			t.Fatalf("create other: %v", err)
		}
		var doc create.JoinCommand
		if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Token == "" || doc.Cluster != "other" ||
			!strings.HasPrefix(doc.Command, "kubectl import join --hub ") || doc.CAChecksum != hubca.Checksum(ca) {
			t.Errorf("create -o json printed %q (%v), want the join command document", redact(out), err)
		}
		mustContain(t, "create -o json stderr", errOut, "importedcluster.kimport.dev/other serverside-applied")
		as := asToken(t, hub.Config, edgeJoin.token)
		var own v1alpha1.ImportedCluster
		if err := as.Get(ctx, client.ObjectKey{Name: "edge"}, &own); err != nil {
			t.Fatalf("the token cannot read its own registration: %v", err)
		}
		forbidden := map[string]error{
			"get another ImportedCluster":   as.Get(ctx, client.ObjectKey{Name: "other"}, &v1alpha1.ImportedCluster{}),
			"list ImportedClusters":         as.List(ctx, &v1alpha1.ImportedClusterList{}),
			"patch another ImportedCluster": as.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"displayName":"x"}}`))),
			"create an ImportedCluster": as.Create(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "mine"},
				Spec: v1alpha1.ImportedClusterSpec{CredentialsSecretRef: v1alpha1.SecretReference{Name: "x"}}}),
			"delete its own ImportedCluster":  as.Delete(ctx, &own),
			"read its own credentials Secret": as.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: "edge-credentials"}, &corev1.Secret{}),
			"read another credentials Secret": as.Get(ctx, client.ObjectKey{Namespace: v1alpha1.HubNamespace, Name: "other-credentials"}, &corev1.Secret{}),
			"patch another credentials Secret": as.Patch(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: "other-credentials"}},
				client.RawPatch(types.MergePatchType, []byte(`{"data":{"token":"eA=="}}`))),
			"list Secrets":                   as.List(ctx, &corev1.SecretList{}, client.InNamespace(v1alpha1.HubNamespace)),
			"list Secrets in all namespaces": as.List(ctx, &corev1.SecretList{}),
			"read kube-system":               as.Get(ctx, client.ObjectKey{Name: "kube-system"}, &corev1.Namespace{}),
			"list ServiceAccounts":           as.List(ctx, &corev1.ServiceAccountList{}, client.InNamespace(v1alpha1.HubNamespace)),
			"create a RoleBinding": as.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: v1alpha1.HubNamespace, Name: "escalate"},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "admin"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: v1alpha1.JoinName("edge"), Namespace: v1alpha1.HubNamespace}}}),
		}
		for what, err := range forbidden {
			if !apierrors.IsForbidden(err) {
				t.Errorf("%s with the join token: %v, want Forbidden", what, err)
			}
		}
		// RBAC lets it patch its own registration; the webhook lets that patch set only the
		// cluster's identity.
		err = as.Patch(ctx, &v1alpha1.ImportedCluster{ObjectMeta: metav1.ObjectMeta{Name: "edge"}},
			client.RawPatch(types.MergePatchType, []byte(`{"spec":{"members":[{"kind":"User","name":"mallory","role":"cluster-owner"}]}}`)))
		if err == nil || !strings.Contains(err.Error(), "spec.members") {
			t.Errorf("changing members with the join token: %v, want a webhook refusal naming spec.members", err)
		}
	})

	t.Run("a wrong checksum refuses before any write and shows both hashes", func(t *testing.T) {
		wrong := "sha256:" + strings.Repeat("0", 64)
		_, _, err := runJoin("", append(ds(edge), "--hub", edgeJoin.hub, "--token", edgeJoin.token, "--ca-checksum", wrong)...)
		if err == nil {
			t.Fatal("join with a wrong checksum succeeded")
		}
		mustContain(t, "error", err.Error(), wrong, hubca.Checksum(ca), "nothing was sent to the hub")
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "edge"}, &ic); err != nil || ic.Spec.ClusterID != "" {
			t.Errorf("registration changed: clusterID %q, %v", ic.Spec.ClusterID, err)
		}
		if err := edge.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentNamespace}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
			t.Errorf("namespace %s in the downstream: %v, want none", v1alpha1.AgentNamespace, err)
		}
	})

	t.Run("join completes the registration, interrupted or not, and reaches Active with members applied", func(t *testing.T) {
		// Interrupted after each write step, then re-run: it converges (after the hand-over,
		// the credentials Secret refuses a second write: the re-run takes that as done).
		for _, step := range []string{join.StepSetIdentity, join.StepApplyDownstream, join.StepHandOver} {
			if _, _, err := runJoin(step, append(ds(edge), edgeJoin.args()...)...); err == nil || !strings.Contains(err.Error(), "fault injected") {
				t.Fatalf("join with a fault after %s: %v", step, err)
			}
		}
		out, _, err := runJoin("", append(ds(edge), edgeJoin.args()...)...)
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		mustContain(t, "join output", out, "hub CA "+hubca.Checksum(ca)+" verified", "importedcluster.kimport.dev/edge Active")
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "edge"}, &ic); err != nil {
			t.Fatal(err)
		}
		if ic.Status.Phase != v1alpha1.PhaseActive || ic.Spec.ClusterID != string(kubeSystemUID(t, edge)) {
			t.Fatalf("edge: phase %s, clusterID %s", ic.Status.Phase, ic.Spec.ClusterID)
		}
		for _, m := range ic.Spec.Members {
			var crb rbacv1.ClusterRoleBinding
			if err := edge.Client.Get(ctx, client.ObjectKey{Name: agent.MemberBindingName(m)}, &crb); err != nil {
				t.Errorf("member %s:%s has no binding in the downstream: %v", m.Kind, m.Name, err)
			}
		}
		eventually(t, 20*time.Second, func() (bool, string) {
			_ = hub.Client.Get(ctx, client.ObjectKey{Name: "edge"}, &ic)
			exists, err := joinflow.IdentityExists(ctx, hub.Client, "edge")
			_, annotated := ic.Annotations[v1alpha1.JoinExpiresAnnotation]
			return !exists && err == nil && !annotated, fmt.Sprintf("join identity exists=%v (%v), expiry annotation=%v; want both gone", exists, err, annotated)
		})
	})

	t.Run("a used token is dead; re-running the finished join converges, elsewhere it is refused", func(t *testing.T) {
		// The API server caches a successful token authentication for 10 s.
		as := asToken(t, hub.Config, edgeJoin.token)
		eventually(t, 20*time.Second, func() (bool, string) {
			err := as.Get(ctx, client.ObjectKey{Name: "edge"}, &v1alpha1.ImportedCluster{})
			return apierrors.IsUnauthorized(err), fmt.Sprintf("the used token reading its registration: %v, want Unauthorized", err)
		})
		out, _, err := runJoin("", append(ds(edge), edgeJoin.args()...)...)
		if err != nil {
			t.Fatalf("re-running the finished join: %v", err)
		}
		mustContain(t, "re-run", out, "handed over by an earlier run", "importedcluster.kimport.dev/edge Active")
		_, _, err = runJoin("", append(ds(late), edgeJoin.args()...)...)
		if err == nil {
			t.Fatal("join of another cluster with a used token succeeded")
		}
		mustContain(t, "error", err.Error(), "refused the join token", "--rotate-token", "Nothing was changed")
	})

	t.Run("join of a cluster already Active under another name is refused by the no-re-import rule", func(t *testing.T) {
		out, _, err := runCreate(append(hubFlags, "edge-again")...)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		again := parseJoin(t, out)
		_, _, err = runJoin("", append(ds(edge), again.args()...)...)
		if err == nil {
			t.Fatal("joining an Active cluster again succeeded")
		}
		mustContain(t, "error", err.Error(), "(rule Identity: ", `already imported as "edge"`)
		var marker corev1.ConfigMap
		if err := edge.Client.Get(ctx, client.ObjectKey{Namespace: v1alpha1.AgentNamespace, Name: v1alpha1.MarkerConfigMap}, &marker); err != nil ||
			marker.Data[v1alpha1.MarkerClusterName] != "edge" {
			t.Errorf("the downstream marker names %q (%v), want edge untouched", marker.Data[v1alpha1.MarkerClusterName], err)
		}
	})

	t.Run("an expired token is refused; --rotate-token issues a fresh one that works", func(t *testing.T) {
		expired := createShortLived(t, hub, "late", 2*time.Second, false)
		eventually(t, 30*time.Second, func() (bool, string) {
			exists, err := joinflow.IdentityExists(ctx, hub.Client, "late")
			return !exists && err == nil, fmt.Sprintf("join identity of late still exists (%v) after its expiry", err)
		})
		_, _, err := runJoin("", append(ds(late), expired.args()...)...)
		if err == nil {
			t.Fatal("join with an expired token succeeded")
		}
		mustContain(t, "error", err.Error(), "refused the join token", "kubectl import create late --rotate-token")
		if err := late.Client.Get(ctx, client.ObjectKey{Name: v1alpha1.AgentNamespace}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
			t.Errorf("namespace %s in the downstream after a refused join: %v, want none", v1alpha1.AgentNamespace, err)
		}

		// A join interrupted after it set the identity, whose token then expired too, is
		// finished with a rotated token.
		short := createShortLived(t, hub, "late", 5*time.Second, true)
		if _, _, err := runJoin(join.StepSetIdentity, append(ds(late), short.args()...)...); err == nil || !strings.Contains(err.Error(), "fault injected") {
			t.Fatalf("join with a fault after %s: %v", join.StepSetIdentity, err)
		}
		eventually(t, 30*time.Second, func() (bool, string) {
			exists, err := joinflow.IdentityExists(ctx, hub.Client, "late")
			return !exists && err == nil, fmt.Sprintf("join identity of late still exists (%v) after its expiry", err)
		})

		rotated, _, err := runCreate(append(hubFlags, "late", "--rotate-token")...)
		if err != nil {
			t.Fatalf("create --rotate-token: %v", err)
		}
		fresh := parseJoin(t, rotated)
		if out, _, err := runJoin("", append(ds(late), fresh.args()...)...); err != nil || !strings.Contains(out, "late Active") {
			t.Fatalf("join with the rotated token: %v\n%s", err, out)
		}
	})

	t.Run("join --dry-run -o yaml prints the downstream manifest; --agent-applied finishes it", func(t *testing.T) {
		out, _, err := runCreate(append(hubFlags, "gitops", "--member", "User:bob=cluster-member")...)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		cmd := parseJoin(t, out)
		manifest, _, err := runJoin("", append(ds(gitops), cmd.args("--dry-run=client", "-o", "yaml")...)...)
		if err != nil {
			t.Fatalf("join --dry-run: %v", err)
		}
		mustContain(t, "manifest", manifest, "# ", "--agent-applied", "kind: ClusterRole", "name: kimport-registration")
		if strings.Contains(manifest, cmd.token) {
			t.Error("the manifest contains the join token")
		}
		var ic v1alpha1.ImportedCluster
		if err := hub.Client.Get(ctx, client.ObjectKey{Name: "gitops"}, &ic); err != nil || ic.Spec.ClusterID != "" {
			t.Errorf("the dry run changed the registration: clusterID %q, %v", ic.Spec.ClusterID, err)
		}
		// Applied by "another tool": the objects exactly as printed.
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := yaml.Unmarshal([]byte(manifest), &list); err != nil || len(list.Items) == 0 {
			t.Fatalf("manifest is not a YAML List (%v):\n%s", err, manifest)
		}
		applyAll(t, gitops.Client, list.Items)
		out, _, err = runJoin("", append(ds(gitops), cmd.args("--agent-applied")...)...)
		if err != nil || !strings.Contains(out, "gitops Active") {
			t.Fatalf("join --agent-applied: %v\n%s", err, out)
		}
	})
}

func kubeSystemUID(t *testing.T, c *testenv.Cluster) types.UID {
	t.Helper()
	var ns corev1.Namespace
	if err := c.Client.Get(context.Background(), client.ObjectKey{Name: "kube-system"}, &ns); err != nil {
		t.Fatal(err)
	}
	return ns.UID
}

// createShortLived runs create (or create --rotate-token) with a ttl below --ttl's minimum, to
// watch the hub revoke the token at its expiry.
func createShortLived(t *testing.T, hub *testenv.Cluster, name string, ttl time.Duration, rotate bool) joinCommand {
	t.Helper()
	var out, errOut bytes.Buffer
	o := create.NewOptions(common.NewFactory(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut})
	o.Hub.Kubeconfig, o.RotateToken = hub.Kubeconfig, rotate
	if err := o.Complete([]string{name}); err != nil {
		t.Fatal(err)
	}
	o.TTL = ttl
	if err := o.Run(context.Background()); err != nil {
		t.Fatalf("create %s (ttl %s, rotate %v): %v\n%s", name, ttl, rotate, err, errOut.String())
	}
	return parseJoin(t, out.String())
}
