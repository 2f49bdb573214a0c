package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Inputs of the plugin's archives and manifest, relative to the module's root.
const (
	LicenseFile      = "LICENSE"
	ManifestTemplate = "krew/import.yaml.tmpl"
	CompleteScript   = "krew/kubectl_complete-import"     // Linux and macOS
	CompleteCmd      = "krew/kubectl_complete-import.cmd" // Windows
	PluginBinary     = "kubectl-import"
	ChecksumsFile    = "checksums.txt"
)

// DefaultReleaseURL is where the archives are published; the version and archive name follow.
const DefaultReleaseURL = "https://github.com/kubectl-import/kubectl-import/releases/download"

// DistOptions choose what `make dist` builds.
type DistOptions struct {
	ModuleDir  string
	OutDir     string
	Version    string
	MTime      time.Time // every archive entry's time (SOURCE_DATE_EPOCH)
	Platforms  []Platform
	ReleaseURL string
	Log        io.Writer // progress, one line a step; nil for none
}

// Artifact is one archive written by Dist.
type Artifact struct {
	Platform Platform
	Path     string
	SHA256   string
}

// DistResult lists what Dist wrote.
type DistResult struct {
	Archives  []Artifact
	Checksums string // path of the sha256sum-style checksums file
	Manifest  string // path of the rendered krew manifest
}

// ArchiveName is the archive of the plugin for p: tar.gz, or zip for Windows (as krew expects).
func ArchiveName(version string, p Platform) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", PluginBinary, version, p.OS, p.Arch, ext)
}

// Dist builds the plugin for every platform, archives each build with its completion script
// and the LICENSE, and writes checksums.txt and the krew manifest (import.yaml) into OutDir.
func Dist(ctx context.Context, o DistOptions) (*DistResult, error) {
	if err := ValidateVersion(o.Version); err != nil {
		return nil, err
	}
	if o.ReleaseURL == "" {
		o.ReleaseURL = DefaultReleaseURL
	}
	if len(o.Platforms) == 0 {
		o.Platforms = PluginPlatforms
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	inputs, err := readInputs(o.ModuleDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	if err := removeOldArchives(o.OutDir); err != nil {
		return nil, err
	}
	buildDir, err := os.MkdirTemp("", "kubectl-import-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(buildDir)

	res := &DistResult{}
	data := ManifestData{Version: o.Version}
	for _, p := range o.Platforms {
		art, mp, err := buildArchive(ctx, o, inputs, buildDir, p)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "%s  %s\n", art.SHA256, filepath.Base(art.Path))
		res.Archives = append(res.Archives, art)
		data.Platforms = append(data.Platforms, mp)
	}
	if res.Checksums, err = writeChecksums(o.OutDir, res.Archives); err != nil {
		return nil, err
	}
	manifest, err := RenderManifest(inputs[ManifestTemplate], data)
	if err != nil {
		return nil, err
	}
	res.Manifest = filepath.Join(o.OutDir, PluginName+".yaml")
	if err := os.WriteFile(res.Manifest, manifest, 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// readInputs reads the checked-in files every archive or the manifest needs.
func readInputs(moduleDir string) (map[string][]byte, error) {
	inputs := map[string][]byte{}
	for _, name := range []string{LicenseFile, ManifestTemplate, CompleteScript, CompleteCmd} {
		data, err := os.ReadFile(filepath.Join(moduleDir, name))
		if err != nil {
			return nil, fmt.Errorf("reading a release input: %w", err)
		}
		inputs[name] = data
	}
	return inputs, nil
}

// removeOldArchives drops archives of earlier runs (maybe of another version), so that OutDir
// holds exactly what checksums.txt lists.
func removeOldArchives(dir string) error {
	old, err := filepath.Glob(filepath.Join(dir, PluginBinary+"_*"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}

func buildArchive(ctx context.Context, o DistOptions, inputs map[string][]byte, buildDir string, p Platform) (Artifact, ManifestPlatform, error) {
	bin := p.Exe(PluginBinary)
	binPath := filepath.Join(buildDir, p.OS+"_"+p.Arch, bin)
	fmt.Fprintf(o.Log, "building %s for %s\n", bin, p)
	b := Build{ModuleDir: o.ModuleDir, Package: "./cmd/kubectl-import", Output: binPath, Platform: p, Version: o.Version}
	if err := b.Run(ctx); err != nil {
		return Artifact{}, ManifestPlatform{}, err
	}
	binData, err := os.ReadFile(binPath)
	if err != nil {
		return Artifact{}, ManifestPlatform{}, err
	}
	complete, completeData := filepath.Base(CompleteScript), inputs[CompleteScript]
	if p.OS == "windows" {
		complete, completeData = filepath.Base(CompleteCmd), inputs[CompleteCmd]
	}
	files := []File{
		{Name: bin, Mode: 0o755, Data: binData},
		{Name: complete, Mode: 0o755, Data: completeData},
		{Name: LicenseFile, Mode: 0o644, Data: inputs[LicenseFile]},
	}
	name := ArchiveName(o.Version, p)
	path := filepath.Join(o.OutDir, name)
	sum, err := writeArchive(path, files, o.MTime, p.OS == "windows")
	if err != nil {
		return Artifact{}, ManifestPlatform{}, fmt.Errorf("writing %s: %w", name, err)
	}
	mp := ManifestPlatform{
		OS: p.OS, Arch: p.Arch, SHA256: sum, Bin: bin, Complete: complete,
		URI: strings.TrimSuffix(o.ReleaseURL, "/") + "/" + o.Version + "/" + name,
	}
	return Artifact{Platform: p, Path: path, SHA256: sum}, mp, nil
}

// writeArchive writes a zip or a tar.gz and returns its lowercase hex sha256.
func writeArchive(path string, files []File, mtime time.Time, zip bool) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	if zip {
		err = WriteZip(w, files, mtime)
	} else {
		err = WriteTarGz(w, files, mtime)
	}
	if err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeChecksums writes "<sha256>  <archive>" lines, as sha256sum prints and checks them.
func writeChecksums(dir string, archives []Artifact) (string, error) {
	sorted := append([]Artifact(nil), archives...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	lines := make([]string, 0, len(sorted))
	for _, a := range sorted {
		lines = append(lines, a.SHA256+"  "+filepath.Base(a.Path))
	}
	path := filepath.Join(dir, ChecksumsFile)
	return path, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
