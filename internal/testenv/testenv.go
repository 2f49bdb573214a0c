// Package testenv starts real Kubernetes control planes for tests and the demo: kube-apiserver
// and etcd through controller-runtime's envtest, plus a kube-controller-manager beside each API
// server so that token Secrets get tokens, namespaces finalize and garbage collection works as in
// a real cluster. The binaries are built from source by `make control-plane` (see
// hack/build-control-plane.sh), one directory per Kubernetes version, under the directory named
// by $KIMPORT_TEST_ASSETS (bin/k8s by default).
//
// A cluster runs at the hub's Kubernetes version unless Options.Version picks another; the
// versions built and tested are $KIMPORT_KUBE_VERSIONS (the Makefile exports both variables).
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/kubectl-import/kubectl-import/pkg/apis/scheme"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// AssetsEnv names the directory holding one directory per Kubernetes version (bin/k8s when
// unset), each with kube-apiserver, kube-apiserver-k3s, kube-controller-manager and etcd.
const AssetsEnv = "KIMPORT_TEST_ASSETS"

// VersionsEnv lists, separated by spaces, the Kubernetes versions tests run control planes at:
// first the hub's, which every cluster runs unless a test picks another, then the others that
// the downstreams of the end-to-end tests also run at. The Makefile sets it from KUBE_VERSION
// and KUBE_OLDEST_VERSION.
const VersionsEnv = "KIMPORT_KUBE_VERSIONS"

// The versions when $KIMPORT_KUBE_VERSIONS is unset (a plain `go test`); keep them in step with
// the Makefile's KUBE_VERSION and KUBE_OLDEST_VERSION.
const (
	// DefaultHubVersion is the newest Kubernetes release.
	DefaultHubVersion = "v1.37.2"
	// DefaultOldestVersion is the newest patch of the oldest minor still supported upstream.
	DefaultOldestVersion = "v1.35.4"
)

// Versions returns the versions of $KIMPORT_KUBE_VERSIONS, the hub's first, without repeats;
// DefaultHubVersion and DefaultOldestVersion when it is unset.
func Versions() []string {
	fields := strings.Fields(os.Getenv(VersionsEnv))
	if len(fields) == 0 {
		fields = []string{DefaultHubVersion, DefaultOldestVersion}
	}
	var out []string
	for _, v := range fields {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// HubVersion is the Kubernetes version of the hub and of every cluster that picks none.
func HubVersion() string { return Versions()[0] }

// DownstreamVersions are the versions an end-to-end test runs its downstreams at: the hub's
// and the oldest supported.
func DownstreamVersions() []string { return Versions() }

// K3sVersion is the version a K3s-like cluster at Kubernetes version v reports: v+k3s1.
func K3sVersion(v string) string { return v + "+k3s1" }

// Options choose what a cluster looks like.
type Options struct {
	// Name is the kubeconfig context name and the prefix of log files.
	Name string
	// Version is the Kubernetes version, vX.Y.Z, of the binaries; HubVersion() when empty.
	Version string
	// K3s makes the API server report vX.Y.Z+k3s1, as K3s does.
	K3s bool
	// HubCRDs installs the ImportedCluster CRD and the namespace kimport-system.
	HubCRDs bool
	// PlanCRD installs the system-upgrade-controller's Plan CRD.
	PlanCRD bool
	// InventoryCRDs installs the inventory APIs' CRDs (deploy/inventory): ClusterProfile
	// (multicluster.x-k8s.io) and ClusterProperty (about.k8s.io).
	InventoryCRDs bool
	// Dir keeps certificates, kubeconfigs and logs; a temporary directory when empty.
	Dir string
	// Audit makes the API server write an audit log (every request, metadata level) to
	// Cluster.AuditLog.
	Audit bool
	// APIServerFlags are more kube-apiserver flags (name without dashes → value).
	APIServerFlags map[string]string
}

// Cluster is one running control plane.
type Cluster struct {
	Name string
	// Version is the version the API server reports: vX.Y.Z, or vX.Y.Z+k3s1 for a K3s one.
	Version    string
	Config     *rest.Config
	Kubeconfig string
	Client     client.Client
	Dir        string
	// AuditLog is the API server's audit log when Options.Audit was set.
	AuditLog string
	// FrontProxy is the aggregation layer (requestheader CA, front-proxy client certificate),
	// as every real cluster has it: APIServices can be served, the hub gateway's among them.
	FrontProxy *FrontProxy

	env *envtest.Environment
	kcm *process
}

// SkipShort skips the test under `go test -short` (`make unit-test`): it needs real control planes
// or other processes, which only `make test` (never -short) runs. Without -short it does nothing,
// so a missing control plane fails the test rather than skipping it.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs real control planes: run make test")
	}
}

// Start starts a cluster for a test and stops it when the test ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	SkipShort(t)
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := StartCluster(opts)
	if err != nil {
		t.Fatalf("starting control plane %q: %v", opts.Name, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stopping control plane %q: %v", opts.Name, err)
		}
	})
	return c
}

// AssetsDir returns $KIMPORT_TEST_ASSETS/<version> (bin/k8s/<version> when unset) for a
// version vX.Y.Z, HubVersion() when empty, or explains how to build the binaries.
func AssetsDir(version string) (string, error) {
	if version == "" {
		version = HubVersion()
	}
	base := os.Getenv(AssetsEnv)
	if base == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		base = filepath.Join(root, "bin", "k8s")
	}
	dir := filepath.Join(base, version)
	for _, bin := range []string{"kube-apiserver", "kube-apiserver-k3s", "kube-controller-manager", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("%s not found in %s: run 'make control-plane' (it builds $(KUBE_VERSIONS) into bin/k8s; $%s names another directory)", bin, dir, AssetsEnv)
		}
	}
	return dir, nil
}

// RepoRoot finds the module root by walking up to go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// StartCluster starts a cluster; the caller stops it with Stop.
func StartCluster(opts Options) (*Cluster, error) {
	if opts.Version == "" {
		opts.Version = HubVersion()
	}
	assets, err := AssetsDir(opts.Version)
	if err != nil {
		return nil, err
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		if opts.Dir, err = os.MkdirTemp("", "kimport-"+opts.Name+"-"); err != nil {
			return nil, err
		}
	}
	certDir := filepath.Join(opts.Dir, "pki")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, err
	}
	if opts.K3s {
		// envtest always runs <assets>/kube-apiserver: give it a directory where that name is
		// the +k3s1 build.
		if assets, err = k3sAssets(assets, opts.Dir); err != nil {
			return nil, err
		}
	}
	apiLog, err := os.Create(filepath.Join(opts.Dir, opts.Name+"-apiserver.log"))
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		ControlPlane: envtest.ControlPlane{
			// A fixed CertDir keeps certificates, keys and the port across a stop and start,
			// so credentials pinned to this cluster's CA stay valid through an outage.
			APIServer: &envtest.APIServer{CertDir: certDir, Out: apiLog, Err: apiLog},
		},
		ErrorIfCRDPathMissing:   true,
		ControlPlaneStopTimeout: apiServerStopTimeout,
	}
	auditLog := ""
	if opts.Audit {
		policy := filepath.Join(opts.Dir, "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return nil, err
		}
		auditLog = filepath.Join(opts.Dir, opts.Name+"-audit.log")
		env.ControlPlane.APIServer.Configure().Set("audit-policy-file", policy).Set("audit-log-path", auditLog)
	}
	fp, flags, err := frontProxy(certDir)
	if err != nil {
		return nil, err
	}
	for k, v := range flags {
		env.ControlPlane.APIServer.Configure().Set(k, v)
	}
	for k, v := range opts.APIServerFlags {
		env.ControlPlane.APIServer.Configure().Set(k, v)
	}
	if opts.HubCRDs {
		env.CRDDirectoryPaths = append(env.CRDDirectoryPaths, filepath.Join(root, "deploy", "base", "crd"))
	}
	if opts.PlanCRD {
		env.CRDDirectoryPaths = append(env.CRDDirectoryPaths, filepath.Join(root, "test", "crd"))
	}
	if opts.InventoryCRDs {
		env.CRDDirectoryPaths = append(env.CRDDirectoryPaths, filepath.Join(root, "deploy", "inventory"))
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("envtest: %w (logs in %s)", err, apiLog.Name())
	}
	c := &Cluster{Name: opts.Name, Version: opts.Version, Config: cfg, Dir: opts.Dir, AuditLog: auditLog, FrontProxy: fp, env: env}
	if opts.K3s {
		c.Version = K3sVersion(opts.Version)
	}
	if err := c.finishStart(opts, assets, certDir); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) finishStart(opts Options, assetsDir, certDir string) error {
	var err error
	c.Config.UserAgent = "kimport-testenv"
	// The binaries in a version's directory must be that version: a stale build or a wrong
	// $KIMPORT_TEST_ASSETS would otherwise pass unnoticed as another version.
	info, err := discovery.NewDiscoveryClientForConfigOrDie(c.Config).ServerVersion()
	if err != nil {
		return fmt.Errorf("reading the version of %q: %w", c.Name, err)
	}
	if info.GitVersion != c.Version {
		return fmt.Errorf("the API server of %q in %s reports %s, want %s: run 'make control-plane'", c.Name, assetsDir, info.GitVersion, c.Version)
	}
	c.Kubeconfig = filepath.Join(c.Dir, opts.Name+".kubeconfig")
	if err = WriteKubeconfig(c.Kubeconfig, opts.Name, c.Config); err != nil {
		return err
	}
	if c.Client, err = client.New(c.Config, client.Options{Scheme: scheme.Scheme}); err != nil {
		return err
	}
	if c.kcm, err = startControllerManager(filepath.Join(assetsDir, "kube-controller-manager"), c.Kubeconfig, certDir, c.Config.CAData, c.Dir, opts.Name); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := c.waitControllerManager(ctx); err != nil {
		return err
	}
	if opts.HubCRDs {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.HubNamespace}}
		if err := c.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// waitControllerManager waits until the controller manager acts: it creates the default
// ServiceAccount of every namespace.
func (c *Cluster) waitControllerManager(ctx context.Context) error {
	for {
		var sa corev1.ServiceAccount
		err := c.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "default"}, &sa)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-controller-manager of %q did not start (log: %s): %w", c.Name, c.kcm.logPath, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop stops the controller manager, the API server and etcd, by their pids.
func (c *Cluster) Stop() error {
	var errs []error
	if c.kcm != nil {
		errs = append(errs, c.kcm.stop())
	}
	if c.env != nil {
		errs = append(errs, stopAPIServer(c.env.ControlPlane.APIServer), c.env.ControlPlane.Etcd.Stop())
	}
	return errors.Join(errs...)
}

// StopAPIServer stops the API server (etcd keeps running): a downstream outage.
func (c *Cluster) StopAPIServer(t testing.TB) {
	t.Helper()
	if err := stopAPIServer(c.env.ControlPlane.APIServer); err != nil {
		t.Fatalf("stopping the API server of %q: %v", c.Name, err)
	}
}

// StartAPIServer starts the API server again on the same address with the same certificates.
func (c *Cluster) StartAPIServer(t testing.TB) {
	t.Helper()
	if err := c.env.ControlPlane.APIServer.Start(); err != nil {
		t.Fatalf("starting the API server of %q again: %v", c.Name, err)
	}
}

// AddUser creates a user authenticated by a client certificate, with no rights unless bound.
func (c *Cluster) AddUser(t testing.TB, name string, groups []string) (*rest.Config, string) {
	t.Helper()
	cfg, path, err := c.NewUser(name, groups)
	if err != nil {
		t.Fatalf("adding user %q to %q: %v", name, c.Name, err)
	}
	return cfg, path
}

// NewUser is AddUser for programs that are not tests.
func (c *Cluster) NewUser(name string, groups []string) (*rest.Config, string, error) {
	user, err := c.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, "", err
	}
	cfg := user.Config()
	path := filepath.Join(c.Dir, c.Name+"-"+name+".kubeconfig")
	return cfg, path, WriteKubeconfig(path, c.Name, cfg)
}

// StartAll starts several clusters at once (their start-up is mostly waiting) and stops them
// when the test ends; it fails the test if any does not start.
func StartAll(t testing.TB, opts ...Options) []*Cluster {
	t.Helper()
	SkipShort(t)
	clusters := make([]*Cluster, len(opts))
	errs := make([]error, len(opts))
	done := make(chan struct{})
	for i := range opts {
		if opts[i].Dir == "" {
			opts[i].Dir = t.TempDir()
		}
		go func() { clusters[i], errs[i] = StartCluster(opts[i]); done <- struct{}{} }()
	}
	for range opts {
		<-done
	}
	for i, c := range clusters {
		if c != nil {
			t.Cleanup(func() {
				if err := c.Stop(); err != nil {
					t.Errorf("stopping %s: %v", opts[i].Name, err)
				}
			})
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("starting control planes: %v", err)
	}
	return clusters
}
