// Package release builds what a release ships: the plugin's archives for krew, their checksums,
// the rendered krew manifest and the webhook's container image. Every output is reproducible:
// the same sources, version and timestamp give byte-identical files.
package release

import (
	"fmt"
	"regexp"
)

// VersionVariable is the variable `-ldflags -X` stamps with the release's version.
const VersionVariable = "github.com/kubectl-import/kubectl-import/pkg/version.Version"

// semverPattern is semantic versioning 2.0.0 with the "v" prefix that krew requires.
var semverPattern = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(-((0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?$`)

// ValidateVersion accepts the versions krew accepts: vMAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
func ValidateVersion(v string) error {
	if !semverPattern.MatchString(v) {
		return fmt.Errorf("version %q is not a semantic version such as v1.2.3 (krew requires one): "+
			"tag the commit (git tag v0.1.0) or pass VERSION=v0.1.0 to make", v)
	}
	return nil
}

// IsRelease reports whether v is a plain vMAJOR.MINOR.PATCH, without pre-release or build parts.
func IsRelease(v string) bool { return releasePattern.MatchString(v) }

var releasePattern = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
