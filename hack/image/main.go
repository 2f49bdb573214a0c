// Command image builds the webhook's container image without a container engine: static
// (CGO off) webhook and kimport-agent binaries per platform on an empty base, as a multi-platform OCI index. It
// writes an OCI image layout (dist/image) and, with -push, pushes the index to a registry
// (credentials from the Docker config, as crane and ko read them). `make image` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubectl-import/kubectl-import/internal/release"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var version, out, push, platforms, epoch, moduleDir string
	flag.StringVar(&version, "version", "", "the image's version and tag, e.g. v0.1.0 (required)")
	flag.StringVar(&out, "out", "dist/image", "OCI image layout directory to write (replaced)")
	flag.StringVar(&push, "push", "", "also push the index to this reference, e.g. localhost:5000/kimport/webhook:v0.1.0")
	flag.StringVar(&platforms, "platforms", "", "OS/ARCH list, comma-separated (default linux/amd64,linux/arm64)")
	flag.StringVar(&epoch, "source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "creation time in Unix seconds (default $SOURCE_DATE_EPOCH)")
	flag.StringVar(&moduleDir, "module", ".", "the module's root directory")
	flag.Parse()
	if err := release.ValidateVersion(version); err != nil {
		return err
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("-source-date-epoch %q: want Unix seconds (make image uses the last commit's time): %w", epoch, err)
	}
	created := time.Unix(secs, 0).UTC()
	plats := release.ImagePlatforms
	if platforms != "" {
		if plats, err = release.ParsePlatforms(platforms); err != nil {
			return err
		}
	}
	idx, err := buildIndex(ctx, moduleDir, version, created, plats)
	if err != nil {
		return err
	}
	tag := release.ImageRepository + ":" + version
	if err := writeLayout(out, idx, tag); err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s@%s written to %s\n", tag, digest, out)
	if push == "" {
		return nil
	}
	ref, err := name.ParseReference(push)
	if err != nil {
		return fmt.Errorf("-push %q: %w", push, err)
	}
	if err := remote.WriteIndex(ref, idx, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, err)
	}
	fmt.Printf("pushed %s@%s\n", ref, digest)
	return nil
}

func buildIndex(ctx context.Context, moduleDir, version string, created time.Time, plats []release.Platform) (v1.ImageIndex, error) {
	dir, err := os.MkdirTemp("", "kimport-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	images := map[release.Platform]v1.Image{}
	for _, p := range plats {
		var bins [2][]byte
		for i, cmd := range []string{"webhook", "kimport-agent"} {
			bin := filepath.Join(dir, p.OS+"_"+p.Arch, cmd)
			b := release.Build{ModuleDir: moduleDir, Package: "./cmd/" + cmd, Output: bin, Platform: p, Version: version}
			if err := b.Run(ctx); err != nil {
				return nil, err
			}
			data, err := os.ReadFile(bin)
			if err != nil {
				return nil, err
			}
			bins[i] = data
		}
		var err error
		if images[p], err = release.WebhookImage(bins[0], bins[1], p, version, created); err != nil {
			return nil, err
		}
	}
	return release.WebhookIndex(images, plats)
}

// writeLayout replaces dir with an OCI image layout holding idx under the tag's ref.name.
func writeLayout(dir string, idx v1.ImageIndex, tag string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
}
