package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// krewPlugin is the part of krew's Plugin type the template fills.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version   string `json:"version"`
		Caveats   string `json:"caveats"`
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
		} `json:"platforms"`
	} `json:"spec"`
}

func TestRenderManifestFromTheCheckedInTemplate(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join("..", "..", ManifestTemplate))
	if err != nil {
		t.Fatal(err)
	}
	data := ManifestData{Version: "v1.2.3"}
	for _, p := range PluginPlatforms {
		complete := "kubectl_complete-import"
		if p.OS == "windows" {
			complete += ".cmd"
		}
		data.Platforms = append(data.Platforms, ManifestPlatform{
			OS: p.OS, Arch: p.Arch, Bin: p.Exe(PluginBinary), Complete: complete,
			SHA256: strings.Repeat("ab", 32),
			URI:    DefaultReleaseURL + "/v1.2.3/" + ArchiveName("v1.2.3", p),
		})
	}
	out, err := RenderManifest(tmpl, data)
	if err != nil {
		t.Fatal(err)
	}
	var m krewPlugin
	// Only the fields the template fills are checked here; krew's own validation runs in
	// test/release.
	if err := yaml.Unmarshal(out, &m); err != nil {
		t.Fatalf("rendered manifest is not YAML: %v\n%s", err, out)
	}
	if m.Kind != "Plugin" || m.Metadata.Name != PluginName || m.Spec.Version != "v1.2.3" {
		t.Errorf("kind %q name %q version %q", m.Kind, m.Metadata.Name, m.Spec.Version)
	}
	if !strings.Contains(m.Spec.Caveats, "store/import/v1.2.3/kubectl_complete-import") || !strings.Contains(m.Spec.Caveats, "built-in") {
		t.Errorf("caveats lack the completion link or the built-in shadowing note:\n%s", m.Spec.Caveats)
	}
	if len(m.Spec.Platforms) != len(PluginPlatforms) {
		t.Fatalf("%d platforms, want %d", len(m.Spec.Platforms), len(PluginPlatforms))
	}
	for i, p := range m.Spec.Platforms {
		want := PluginPlatforms[i]
		if p.Selector.MatchLabels["os"] != want.OS || p.Selector.MatchLabels["arch"] != want.Arch {
			t.Errorf("platform %d selects %v, want %s", i, p.Selector.MatchLabels, want)
		}
		if p.Bin != want.Exe(PluginBinary) || p.SHA256 != strings.Repeat("ab", 32) ||
			p.URI != "https://github.com/kubectl-import/kubectl-import/releases/download/v1.2.3/"+ArchiveName("v1.2.3", want) {
			t.Errorf("platform %s: bin %q sha256 %q uri %q", want, p.Bin, p.SHA256, p.URI)
		}
		if len(p.Files) != 3 || p.Files[0].From != p.Bin || p.Files[2].From != LicenseFile {
			t.Errorf("platform %s: files %+v, want the binary, the completion script and LICENSE", want, p.Files)
		}
	}
}

func TestRenderManifestRefusesUnknownFields(t *testing.T) {
	if _, err := RenderManifest([]byte("version: {{ .Nope }}"), ManifestData{}); err == nil {
		t.Error("a template field ManifestData lacks rendered without an error")
	}
}

func TestArchiveName(t *testing.T) {
	if got := ArchiveName("v1.0.0", Platform{"windows", "arm64"}); got != "kubectl-import_v1.0.0_windows_arm64.zip" {
		t.Errorf("windows archive %q", got)
	}
	if got := ArchiveName("v1.0.0", Platform{"darwin", "arm64"}); got != "kubectl-import_v1.0.0_darwin_arm64.tar.gz" {
		t.Errorf("darwin archive %q", got)
	}
}

func TestCheckDeployImage(t *testing.T) {
	write := func(image string) string {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, DeploymentFile)), 0o755); err != nil {
			t.Fatal(err)
		}
		doc := "spec:\n  containers:\n  - name: webhook\n    image: " + image + "\n"
		if err := os.WriteFile(filepath.Join(dir, DeploymentFile), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tc := range []struct {
		image, version string
		ok             bool
	}{
		{ImageRepository + ":v0.1.0", "v0.1.0", true},
		{ImageRepository + ":v0.1.0", "v0.0.0-g750ff87-dirty", true}, // development builds: any versioned tag
		{ImageRepository + ":v0.1.0", "v0.2.0", false},               // a release must name its own image
		{ImageRepository + ":latest", "v0.0.0-g750ff87", false},
		{"example.com/other:v0.1.0", "v0.1.0", false},
	} {
		err := CheckDeployImage(write(tc.image), tc.version)
		if (err == nil) != tc.ok {
			t.Errorf("image %s, version %s: error %v, want ok=%v", tc.image, tc.version, err, tc.ok)
		}
	}
}
