package common

import (
	"os"
	"path/filepath"
	"testing"
)

// A readable or missing kubeconfig is not the K3s permission case (missing files are
// reported by the kubeconfig loader itself). The permission case is covered by the built
// binary run as another user in pkg/plugin/cluster.
func TestUnreadableKubeconfigOnlyForPermissionErrors(t *testing.T) {
	dir := t.TempDir()
	readable := filepath.Join(dir, "config")
	if err := os.WriteFile(readable, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{readable, filepath.Join(dir, "missing")} {
		flags := NewTargets().ConfigFlags
		flags.KubeConfig = &path
		if got, err := unreadableKubeconfig(flags); err != nil || got != "" {
			t.Errorf("%s: reported unreadable (%q, %v)", path, got, err)
		}
	}
}
