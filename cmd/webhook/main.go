// Command webhook is the hub's in-cluster component (pkg/hubserver): the admission webhook
// server, the ImportedCluster reconciler with the inventory controller and the hub gateway, or
// both. Deployed, one image runs as two Deployments: kimport-webhook (--disable-reconciler
// --status-writers=<the reconciler's user>) and kimport-controller (--disable-webhook
// --leader-elect; its gateway serves on every replica).
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kubectl-import/kubectl-import/internal/restconfig"
	"github.com/kubectl-import/kubectl-import/pkg/hubserver"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

func main() {
	opts := hubserver.DefaultOptions()
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	opts.BindFlags(fs)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the hub; in-cluster configuration when empty")
	printVersion := fs.Bool("version", false, "print the version and exit")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	_ = fs.Parse(os.Args[1:]) // ExitOnError: Parse exits on a bad flag
	if *printVersion {
		fmt.Println("kimport-webhook", version.Version)
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	cfg, err := restconfig.Load(*kubeconfig)
	if err == nil {
		err = hubserver.Run(ctrl.SetupSignalHandler(), cfg, opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
