// Command webhook is the hub's in-cluster component: the ImportedCluster reconciler and the
// admission webhook server, run by one controller-runtime manager (pkg/hubserver).
package main

import (
	"flag"
	"fmt"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

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
	cfg, err := restConfig(*kubeconfig)
	if err == nil {
		err = hubserver.Run(ctrl.SetupSignalHandler(), cfg, opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("no --kubeconfig and not running in a cluster: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}
