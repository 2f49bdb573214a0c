package release

import (
	"bytes"
	"fmt"
	"text/template"
)

// PluginName is the plugin's name in krew: `kubectl krew install import`, `kubectl import`.
const PluginName = "import"

// ManifestPlatform is one platform entry of the krew manifest.
type ManifestPlatform struct {
	OS, Arch string
	URI      string
	SHA256   string // lowercase hex, as krew compares it
	Bin      string // the plugin's executable inside the archive
	Complete string // the kubectl_complete-import script inside the archive
}

// ManifestData is what krew/import.yaml.tmpl is rendered with.
type ManifestData struct {
	Version   string
	Platforms []ManifestPlatform
}

// RenderManifest renders the krew manifest template; a template referring to anything
// ManifestData lacks is an error rather than an empty string.
func RenderManifest(tmpl []byte, data ManifestData) ([]byte, error) {
	t, err := template.New("krew manifest").Option("missingkey=error").Parse(string(tmpl))
	if err != nil {
		return nil, fmt.Errorf("parsing the krew manifest template: %w", err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("rendering the krew manifest template: %w", err)
	}
	return out.Bytes(), nil
}
