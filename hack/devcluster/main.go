// Command devcluster starts the local clusters of the demo: a hub, a K3s-like downstream
// (3 servers with embedded etcd, 5 agents) and a plain downstream, each a real kube-apiserver,
// etcd and kube-controller-manager. It writes their kubeconfigs into --dir, then a file named
// "ready", and stops everything it started when it receives SIGINT or SIGTERM.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kubectl-import/kubectl-import/internal/testenv"
)

func main() {
	dir := flag.String("dir", ".demo", "directory for kubeconfigs, certificates and logs")
	version := flag.String("downstream-version", testenv.HubVersion(), "Kubernetes version of the downstreams, one of "+fmt.Sprint(testenv.Versions())+" (the hub runs "+testenv.HubVersion()+")")
	flag.Parse()
	if err := run(*dir, *version); err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		os.Exit(1)
	}
}

func run(dir, version string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var started []*testenv.Cluster
	defer func() {
		for i := len(started) - 1; i >= 0; i-- {
			if err := started[i].Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "devcluster: stopping", started[i].Name+":", err)
			}
		}
	}()
	specs := []testenv.Options{
		{Name: "hub", HubCRDs: true},
		{Name: "k3s", K3s: true, PlanCRD: planCRDPresent(), Version: version},
		{Name: "plain", Version: version},
	}
	for _, opts := range specs {
		opts.Dir = filepath.Join(dir, opts.Name)
		if err := os.RemoveAll(opts.Dir); err != nil {
			return err
		}
		fmt.Printf("starting %s (kube-apiserver, etcd, kube-controller-manager %s)\n", opts.Name, cmp.Or(opts.Version, testenv.HubVersion()))
		c, err := testenv.StartCluster(opts)
		if err != nil {
			return err
		}
		started = append(started, c)
		if err := link(c.Kubeconfig, filepath.Join(dir, opts.Name+".kubeconfig")); err != nil {
			return err
		}
	}
	setupCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	k3s, plain := started[1], started[2]
	if err := testenv.CreateK3sNodes(setupCtx, k3s.Client, 3, 5, k3s.Version); err != nil {
		return err
	}
	if err := testenv.CreateNodes(setupCtx, plain.Client, "node", 3, plain.Version, nil); err != nil {
		return err
	}
	// A user without cluster-admin, to show what preflight says to them; and hub users with no
	// hub rights at all (client certificates): alice, whom the demo makes a member of k3s-prod,
	// bob and dana, whom it makes a project-member and the project-owner of a project of
	// k3s-prod, and eve, who is no member.
	users := []struct {
		c    *testenv.Cluster
		name string
		file string
	}{{k3s, "bob", "k3s-bob.kubeconfig"}, {started[0], "alice", "hub-alice.kubeconfig"},
		{started[0], "bob", "hub-bob.kubeconfig"}, {started[0], "dana", "hub-dana.kubeconfig"}, {started[0], "eve", "hub-eve.kubeconfig"}}
	for _, u := range users {
		if _, path, err := u.c.NewUser(u.name, nil); err != nil {
			return err
		} else if err := link(path, filepath.Join(dir, u.file)); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), []byte("ready\n"), 0o644); err != nil {
		return err
	}
	fmt.Println("clusters ready; kubeconfigs in", dir)
	<-ctx.Done()
	return os.Remove(filepath.Join(dir, "ready"))
}

func link(target, name string) error {
	abs, err := filepath.Abs(target)
	if err != nil {
		return err
	}
	_ = os.Remove(name)
	return os.Symlink(abs, name)
}

func planCRDPresent() bool {
	root, err := testenv.RepoRoot()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(root, "test", "crd"))
	return err == nil
}
