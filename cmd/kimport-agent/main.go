// Command kimport-agent runs in a downstream cluster imported in agent mode: it dials out to
// the hub and synchronises the cluster with its ImportedCluster (pkg/agentrun).
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kubectl-import/kubectl-import/internal/restconfig"
	"github.com/kubectl-import/kubectl-import/pkg/agentrun"
	"github.com/kubectl-import/kubectl-import/pkg/version"
)

func main() {
	opts := agentrun.DefaultOptions()
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	opts.BindFlags(fs)
	printVersion := fs.Bool("version", false, "print the version and exit")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	_ = fs.Parse(os.Args[1:]) // ExitOnError: Parse exits on a bad flag
	if *printVersion {
		fmt.Println("kimport-agent", version.Version)
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	cfg, err := restconfig.Load(opts.Kubeconfig)
	if err == nil {
		err = agentrun.Run(ctrl.SetupSignalHandler(), cfg, opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
