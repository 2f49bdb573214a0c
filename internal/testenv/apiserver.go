package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// kube-apiserver stops listening at once on SIGTERM but its process lingers for about 20 s
// (seen with v1.32.4 under envtest); past this timeout envtest kills it.
const apiServerStopTimeout = 3 * time.Second

// stopAPIServer stops the API server; envtest's "timeout waiting" means it sent SIGKILL after
// the grace period, so the server is gone and that is not a failure.
func stopAPIServer(s *envtest.APIServer) error {
	err := s.Stop()
	if err != nil && strings.Contains(err.Error(), "timeout waiting for process kube-apiserver to stop") {
		return nil
	}
	return err
}

// k3sAssets makes dir/assets-k3s where kube-apiserver is the +k3s1 build; the rest are links.
func k3sAssets(assets, dir string) (string, error) {
	out := filepath.Join(dir, "assets-k3s")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	links := map[string]string{"kube-apiserver": "kube-apiserver-k3s", "etcd": "etcd", "kube-controller-manager": "kube-controller-manager"}
	for name, target := range links {
		link := filepath.Join(out, name)
		_ = os.Remove(link)
		if err := os.Symlink(filepath.Join(assets, target), link); err != nil {
			return "", err
		}
	}
	return out, nil
}
