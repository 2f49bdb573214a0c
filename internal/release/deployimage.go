package release

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// DeploymentFile is the hub Deployment that names the webhook image.
const DeploymentFile = "deploy/base/deployment.yaml"

var imageLine = regexp.MustCompile(`(?m)^\s*image:\s*"?` + regexp.QuoteMeta(ImageRepository) + `:([^"\s]+)"?\s*$`)

// DeployImageTag returns the tag deploy/base/deployment.yaml gives the webhook image.
func DeployImageTag(moduleDir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(moduleDir, DeploymentFile))
	if err != nil {
		return "", err
	}
	m := imageLine.FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("%s names no %s:TAG image", DeploymentFile, ImageRepository)
	}
	return string(m[1]), nil
}

// CheckDeployImage makes sure deploy/ names a versioned webhook image (never a moving tag such
// as latest), and for a release (vX.Y.Z) the image of that very release.
func CheckDeployImage(moduleDir, version string) error {
	tag, err := DeployImageTag(moduleDir)
	if err != nil {
		return err
	}
	if err := ValidateVersion(tag); err != nil {
		return fmt.Errorf("%s: the webhook image %s:%s is not versioned: name a release tag such as v0.1.0", DeploymentFile, ImageRepository, tag)
	}
	if IsRelease(version) && tag != version {
		return fmt.Errorf("%s names %s:%s but this release is %s: set the image tag to %s before releasing",
			DeploymentFile, ImageRepository, tag, version, version)
	}
	return nil
}
