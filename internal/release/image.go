package release

import (
	"bytes"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// The webhook's image: two static binaries on an empty base, the hub component (the
// entrypoint) and kimport-agent (the agent Deployment's command; one image serves hub and
// downstreams), run as the non-root user the Deployments' securityContexts name.
const (
	ImageRepository  = v1alpha1.ImageRepository
	ImageEntrypoint  = "/webhook"
	ImageAgent       = "/kimport-agent"
	ImageUser        = "65532:65532"
	ProjectSourceURL = "https://github.com/kubectl-import/kubectl-import"
)

// ImageLabels are the OCI labels of the webhook image of version.
func ImageLabels(version string, created time.Time) map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "kimport-webhook",
		"org.opencontainers.image.description": "kubectl-import's admission webhook and hub reconciler",
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.source":      ProjectSourceURL,
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.created":     created.UTC().Format(time.RFC3339),
	}
}

// WebhookImage is an OCI image holding webhook and agent (static linux/<arch> binaries) at
// /webhook and /kimport-agent. The layer and config carry only the given time, so the same
// binaries give the same digest.
func WebhookImage(webhook, agent []byte, p Platform, version string, created time.Time) (v1.Image, error) {
	var layerTar bytes.Buffer
	files := []File{{Name: ImageEntrypoint[1:], Mode: 0o755, Data: webhook}, {Name: ImageAgent[1:], Mode: 0o755, Data: agent}}
	if err := WriteTar(&layerTar, files, created); err != nil {
		return nil, err
	}
	tarBytes := layerTar.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("webhook image layer: %w", err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{CreatedBy: "kubectl-import hack/image: static " + p.String() + " webhook at " + ImageEntrypoint + " and agent at " + ImageAgent, Created: v1.Time{Time: created}},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = p.OS, p.Arch
	cfg.Created = v1.Time{Time: created.UTC()}
	cfg.Config.Entrypoint = []string{ImageEntrypoint}
	cfg.Config.Cmd = nil
	cfg.Config.User = ImageUser
	cfg.Config.WorkingDir = "/"
	cfg.Config.Labels = ImageLabels(version, created)
	return mutate.ConfigFile(img, cfg)
}

// WebhookIndex is the multi-platform index of the per-platform images.
func WebhookIndex(images map[Platform]v1.Image, platforms []Platform) (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var adds []mutate.IndexAddendum
	for _, p := range platforms {
		img, ok := images[p]
		if !ok {
			return nil, fmt.Errorf("no webhook image for %s", p)
		}
		adds = append(adds, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Arch}},
		})
	}
	return mutate.AppendManifests(idx, adds...), nil
}
