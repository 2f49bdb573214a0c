package preflight

import (
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

func TestValidateName(t *testing.T) {
	o := NewOptions(common.NewFactory(), genericiooptions.IOStreams{})
	for name, ok := range map[string]bool{"": true, "prod-eu": true, "Prod_EU": false} {
		o.Name = name
		if err := o.Validate(); (err == nil) != ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
