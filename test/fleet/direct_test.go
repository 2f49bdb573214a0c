package fleet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	versionpkg "k8s.io/apimachinery/pkg/version"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/importer"
	"github.com/kubectl-import/kubectl-import/pkg/inspect"
)

// downstreams simulates the API servers of many direct-mode downstreams with one TLS server:
// cluster i is https://127.0.0.1:PORT/c/i (client-go takes a host with a path). Each answers
// what a probe reads (/version, nodes, namespaces with kube-system's UID = its clusterID,
// their project labels already set), no member bindings, and no registration marker (404).
// A hanging cluster answers nothing until the client gives up (the reconciler's probe timeout).
type downstreams struct {
	srv       *httptest.Server
	clusterID func(i int) string
	hangs     func(i int) bool
	nodes     []byte
	probes    []atomic.Int64 // /version requests per cluster
	unknown   sync.Map       // path -> count of requests it does not simulate
}

func startDownstreams(n int, clusterID func(int) string, hangs func(int) bool) (*downstreams, error) {
	d := &downstreams{clusterID: clusterID, hangs: hangs, probes: make([]atomic.Int64, n)}
	var err error
	if d.nodes, err = json.Marshal(corev1.NodeList{TypeMeta: metav1.TypeMeta{Kind: "NodeList", APIVersion: "v1"}, Items: simNodes()}); err != nil {
		return nil, err
	}
	d.srv = httptest.NewTLSServer(http.HandlerFunc(d.serve))
	return d, nil
}

func (d *downstreams) close() { d.srv.Close() }

// url is cluster i's API server.
func (d *downstreams) url(i int) string { return fmt.Sprintf("%s/c/%d", d.srv.URL, i) }

// caPEM is the CA that signed the server's certificate (httptest's self-signed one).
func (d *downstreams) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d.srv.Certificate().Raw})
}

func (d *downstreams) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/c/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	idx, path, _ := strings.Cut(rest, "/")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(d.probes) {
		http.NotFound(w, r)
		return
	}
	path = "/" + path
	if path == "/version" {
		d.probes[i].Add(1)
	}
	if d.hangs(i) {
		select { // past the probe timeout: the client gives up first
		case <-r.Context().Done():
		case <-time.After(2 * time.Minute):
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case path == "/version":
		_ = json.NewEncoder(w).Encode(versionpkg.Info{Major: "1", Minor: "37", GitVersion: downstreamVersion})
	case path == "/api/v1/nodes" && r.Method == http.MethodGet:
		_, _ = w.Write(d.nodes)
	case path == "/api/v1/namespaces" && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(d.namespaces(i))
	case path == "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(rbacv1.ClusterRoleBindingList{TypeMeta: metav1.TypeMeta{Kind: "ClusterRoleBindingList", APIVersion: "rbac.authorization.k8s.io/v1"}})
	case path == "/apis/rbac.authorization.k8s.io/v1/rolebindings" && r.Method == http.MethodGet: // project members' (none here)
		_ = json.NewEncoder(w).Encode(rbacv1.RoleBindingList{TypeMeta: metav1.TypeMeta{Kind: "RoleBindingList", APIVersion: "rbac.authorization.k8s.io/v1"}})
	default:
		if !strings.HasSuffix(path, "/configmaps/"+v1alpha1.MarkerConfigMap) {
			c, _ := d.unknown.LoadOrStore(r.Method+" "+path, new(atomic.Int64))
			c.(*atomic.Int64).Add(1)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(apierrors.NewNotFound(corev1.Resource("configmaps"), v1alpha1.MarkerConfigMap).Status())
	}
}

// namespaces of cluster i, each labelled with its project already (so no probe writes).
func (d *downstreams) namespaces(i int) corev1.NamespaceList {
	names := []string{"default", metav1.NamespaceSystem, "kube-public", v1alpha1.AgentNamespace}
	project := map[string]string{}
	for _, p := range inspect.Projects(names) {
		for _, ns := range p.Namespaces {
			project[ns] = inspect.LabelValue(p.Name)
		}
	}
	list := corev1.NamespaceList{TypeMeta: metav1.TypeMeta{Kind: "NamespaceList", APIVersion: "v1"}}
	for _, n := range names {
		ns := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{v1alpha1.ProjectLabel: project[n]}}}
		if n == metav1.NamespaceSystem {
			ns.UID = types.UID(d.clusterID(i))
		}
		list.Items = append(list.Items, ns)
	}
	return list
}

// unknownPaths are the requests the simulation did not answer (other than the marker).
func (d *downstreams) unknownPaths() map[string]int64 {
	out := map[string]int64{}
	d.unknown.Range(func(k, v any) bool { out[k.(string)] = v.(*atomic.Int64).Load(); return true })
	return out
}

// registerDirectCluster does in the hub what `kubectl import cluster NAME --mode Direct`
// does there: claim the clusterID, create the ImportedCluster and its credentials Secret
// (server, CA, agent token). The token is a JWT-shaped string expiring in 8 hours, so the
// reconciler does not try to renew it during the run (the simulated server has no
// TokenRequest).
func registerDirectCluster(ctx context.Context, admin client.Client, name, clusterID, server string, ca []byte) error {
	req := importer.Request{Name: name, ClusterID: clusterID, APIServer: server, CAData: ca, Mode: v1alpha1.ModeDirect}
	if err := admin.Create(ctx, req.IdentityClaim()); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("claiming %s: %w", clusterID, err)
	}
	_, err := importer.Register(ctx, admin, req, fakeToken(name, 8*time.Hour), io.Discard)
	return err
}

func fakeToken(name string, life time.Duration) string {
	enc := base64.RawURLEncoding.EncodeToString
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"sub": "system:serviceaccount:cattle-system:kimport-agent-" + name, "iat": now.Unix(), "exp": now.Add(life).Unix()})
	return enc([]byte(`{"alg":"none"}`)) + "." + enc(claims) + ".c2ln"
}
