package release

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Platform is one GOOS/GOARCH pair.
type Platform struct {
	OS   string
	Arch string
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Exe is the executable file name of name on this platform.
func (p Platform) Exe(name string) string {
	if p.OS == "windows" {
		return name + ".exe"
	}
	return name
}

// PluginPlatforms are the platforms the plugin is released for.
var PluginPlatforms = []Platform{
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"linux", "amd64"}, {"linux", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// ImagePlatforms are the platforms of the webhook's image.
var ImagePlatforms = []Platform{{"linux", "amd64"}, {"linux", "arm64"}}

// ParsePlatforms reads "os/arch,os/arch".
func ParsePlatforms(s string) ([]Platform, error) {
	var out []Platform
	for _, item := range strings.Split(s, ",") {
		os, arch, ok := strings.Cut(strings.TrimSpace(item), "/")
		if !ok || os == "" || arch == "" || strings.Contains(arch, "/") {
			return nil, fmt.Errorf("platform %q: want OS/ARCH such as linux/amd64", item)
		}
		out = append(out, Platform{os, arch})
	}
	return out, nil
}

// Build describes one reproducible `go build`.
type Build struct {
	ModuleDir string // the module's root, where go runs
	Package   string // e.g. ./cmd/kubectl-import
	Output    string // the binary's path
	Platform  Platform
	Version   string // stamped into VersionVariable
}

// Run builds a static binary (CGO off) that does not depend on where the sources are
// (-trimpath), nor on the VCS state (-buildvcs=false): the same sources and version give the
// same bytes.
func (b Build) Run(ctx context.Context) error {
	ldflags := fmt.Sprintf("-s -w -buildid= -X %s=%s", VersionVariable, b.Version)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", ldflags, "-o", b.Output, b.Package)
	cmd.Dir = b.ModuleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+b.Platform.OS, "GOARCH="+b.Platform.Arch)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s: %w\n%s", b.Package, b.Platform, err, out.String())
	}
	return nil
}
