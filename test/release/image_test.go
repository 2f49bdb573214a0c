package release_test

import (
	"archive/tar"
	"context"
	"debug/elf"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubectl-import/kubectl-import/internal/release"
	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/initcmd"
)

// TestWebhookImage builds the webhook's image as `make image` does (without a container
// engine), pushes it to a registry served in-process, pulls it back and checks what a
// container runtime would run.
func TestWebhookImage(t *testing.T) {
	skipShort(t)
	p := release.Platform{OS: "linux", Arch: runtime.GOARCH}
	created := time.Unix(1700000000, 0).UTC()
	var bins [2][]byte
	for i, cmd := range []string{"webhook", "kimport-agent"} {
		bin := filepath.Join(t.TempDir(), cmd)
		b := release.Build{ModuleDir: repoRoot(t), Package: "./cmd/" + cmd, Output: bin, Platform: p, Version: testVersion}
		if err := b.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		assertStatic(t, bin)
		bins[i] = data
	}
	binary, agentBinary := bins[0], bins[1]

	img, err := release.WebhookImage(binary, agentBinary, p, testVersion, created)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := release.WebhookIndex(map[release.Platform]v1.Image{p: img}, []release.Platform{p})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := release.WebhookImage(binary, agentBinary, p, testVersion, created)
	if d1, d2 := digest(t, img), digest(t, again); d1 != d2 {
		t.Errorf("two images of the same binary differ: %s and %s", d1, d2)
	}

	srv := httptest.NewServer(registry.New(registry.Logger(discardLogger())))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	ref, err := name.ParseReference(u.Host + "/kubectl-import/webhook:" + testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx, remote.WithContext(context.Background())); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}

	pulled, err := remote.Image(ref, remote.WithPlatform(v1.Platform{OS: p.OS, Architecture: p.Arch}))
	if err != nil {
		t.Fatalf("pulling %s for %s: %v", ref, p, err)
	}
	if digest(t, pulled) != digest(t, img) {
		t.Errorf("the pulled image's digest differs from the pushed one")
	}
	mt, _ := pulled.MediaType()
	if !strings.Contains(string(mt), "oci") {
		t.Errorf("manifest media type %s, want OCI", mt)
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Config.Entrypoint, " "); got != "/webhook" {
		t.Errorf("entrypoint %q, want /webhook", got)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want the non-root 65532:65532 the Deployment runs as", cfg.Config.User)
	}
	if cfg.OS != p.OS || cfg.Architecture != p.Arch || !cfg.Created.Time.Equal(created) {
		t.Errorf("config os/arch %s/%s created %v", cfg.OS, cfg.Architecture, cfg.Created)
	}
	for key, want := range map[string]string{
		"org.opencontainers.image.version": testVersion,
		"org.opencontainers.image.source":  "https://github.com/kubectl-import/kubectl-import",
	} {
		if got := cfg.Config.Labels[key]; got != want {
			t.Errorf("label %s = %q, want %q", key, got, want)
		}
	}

	// The single layer holds the binaries at /webhook and /kimport-agent (the agent
	// Deployment's command), executable, and nothing else; run them.
	layers, err := pulled.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want 1", len(layers), err)
	}
	extracted := extractOnly(t, layers[0], "webhook", "kimport-agent")
	for _, cmd := range []string{"webhook", "kimport-agent"} {
		if runtime.GOOS != "linux" {
			break
		}
		out, err := exec.Command(extracted[cmd], "-version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), testVersion) {
			t.Errorf("the image's /%s -version: %v %q, want the stamped %s", cmd, err, out, testVersion)
		}
	}
	if got := agent.Deployment(agent.DeploymentOptions{Cluster: "x"}).Spec.Template.Spec.Containers[0].Command; len(got) != 1 || got[0] != release.ImageAgent {
		t.Errorf("the agent Deployment runs %q, the image holds %s", got, release.ImageAgent)
	}
}

func TestDeployNamesTheVersionedImage(t *testing.T) {
	tag, err := release.DeployImageTag(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := release.ValidateVersion(tag); err != nil {
		t.Errorf("%s names %s:%s: %v", release.DeploymentFile, release.ImageRepository, tag, err)
	}
	if release.ImageRepository != initcmd.ImageRepository {
		t.Errorf("the image is built as %s but init deploys %s", release.ImageRepository, initcmd.ImageRepository)
	}
}

// assertStatic fails unless path is an ELF executable without a dynamic loader or libraries.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Errorf("%s has a dynamic loader (PT_INTERP): CGO must be off", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) != 0 {
		t.Errorf("%s links %v dynamically", path, libs)
	}
}

// extractOnly checks that layer holds exactly one executable file, want, and writes it out.
// extractOnly extracts the layer's entries, which must be exactly want (mode 755, owned by
// root), and returns where each went.
func extractOnly(t *testing.T, layer v1.Layer, want ...string) map[string]string {
	t.Helper()
	rc, err := layer.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	paths := map[string]string{}
	dir := t.TempDir()
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(want, hdr.Name) || hdr.Mode != 0o755 || hdr.Uid != 0 {
			t.Errorf("layer entry %s mode %o uid %d, want only %v 755 owned by root", hdr.Name, hdr.Mode, hdr.Uid, want)
			continue
		}
		path := filepath.Join(dir, hdr.Name)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, tr); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths[hdr.Name] = path
	}
	for _, w := range want {
		if paths[w] == "" {
			t.Fatalf("the layer has no %s", w)
		}
	}
	return paths
}

func digest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
