package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// The controllers whose absence would make the test clusters behave unlike real ones.
var controllers = []string{
	"serviceaccount-token-controller", // token Secrets get their token
	"serviceaccount-controller",       // every namespace gets its default ServiceAccount
	"namespace-controller",            // deleted namespaces finish terminating
	"garbage-collector-controller",    // owner references are honoured
	"root-ca-certificate-publisher-controller",
	"deployment-controller", // Deployments get ReplicaSets and Pods (never scheduled here)
	"replicaset-controller",
	"validatingadmissionpolicy-status-controller", // policies report their type checking
	"clusterrole-aggregation-controller",          // view, edit and admin get their rules (members' roles)
}

type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan error
}

func startControllerManager(bin, kubeconfig, certDir string, caData []byte, dir, name string) (*process, error) {
	caFile := filepath.Join(certDir, "ca.crt")
	if err := os.WriteFile(caFile, caData, 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+"-controller-manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	controllerList := ""
	for i, c := range controllers {
		if i > 0 {
			controllerList += ","
		}
		controllerList += c
	}
	cmd := exec.Command(bin,
		"--kubeconfig="+kubeconfig,
		"--controllers="+controllerList,
		"--service-account-private-key-file="+filepath.Join(certDir, "sa-signer.key"),
		"--root-ca-file="+caFile,
		"--leader-elect=false",
		"--secure-port=0",
		"--concurrent-gc-syncs=5",
		// Short periods: tests wait on these controllers.
		"--namespace-sync-period=10s",
		"-v=1",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The controller manager must not outlive the test process, even when it crashes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	p := &process{cmd: cmd, logPath: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); logFile.Close() }()
	return p, nil
}

// stop sends SIGTERM to the pid, then SIGKILL after a grace period.
func (p *process) stop() error {
	if p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("kube-controller-manager did not stop on SIGTERM; killed")
	}
}
