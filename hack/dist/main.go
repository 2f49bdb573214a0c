// Command dist writes the plugin's release into dist/: one reproducible archive per platform
// (the binary, kubectl_complete-import and LICENSE), checksums.txt and the krew manifest
// import.yaml rendered from krew/import.yaml.tmpl. `make dist` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/kubectl-import/kubectl-import/internal/release"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	o := release.DistOptions{Log: os.Stdout}
	var platforms, epoch string
	flag.StringVar(&o.Version, "version", "", "the release's version, e.g. v0.1.0 (required)")
	flag.StringVar(&o.OutDir, "out", "dist", "output directory")
	flag.StringVar(&o.ModuleDir, "module", ".", "the module's root directory")
	flag.StringVar(&o.ReleaseURL, "release-url", release.DefaultReleaseURL, "base URL of the release downloads")
	flag.StringVar(&platforms, "platforms", "", "OS/ARCH list, comma-separated (default: every released platform)")
	flag.StringVar(&epoch, "source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "time of every archive entry, in Unix seconds (default $SOURCE_DATE_EPOCH)")
	flag.Parse()
	if o.Version == "" {
		return fmt.Errorf("-version is required (make dist passes $(VERSION))")
	}
	mtime, err := parseEpoch(epoch)
	if err != nil {
		return err
	}
	o.MTime = mtime
	if platforms != "" {
		if o.Platforms, err = release.ParsePlatforms(platforms); err != nil {
			return err
		}
	}
	if err := release.CheckDeployImage(o.ModuleDir, o.Version); err != nil {
		return err
	}
	res, err := release.Dist(context.Background(), o)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %d archives, %s and %s\n", len(res.Archives), res.Checksums, res.Manifest)
	return nil
}

// parseEpoch reads SOURCE_DATE_EPOCH; reproducible builds need one fixed time.
func parseEpoch(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("-source-date-epoch (or $SOURCE_DATE_EPOCH) is required: " +
			"the archives' timestamps must not depend on the clock (make dist uses the last commit's time)")
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("-source-date-epoch %q: want Unix seconds: %w", s, err)
	}
	return time.Unix(secs, 0).UTC(), nil
}
