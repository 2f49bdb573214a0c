package hubdiscovery

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/rest"

	"github.com/kubectl-import/kubectl-import/pkg/hubca"
)

// FromConfig is the CA a kubeconfig trusts for the hub: the one `create` pins (hubca.Root of
// its certificate-authority). A kubeconfig that trusts the system roots has none to pin.
func FromConfig(cfg *rest.Config) (*x509.Certificate, error) {
	data := cfg.CAData
	if len(data) == 0 && cfg.CAFile != "" {
		var err error
		if data, err = os.ReadFile(cfg.CAFile); err != nil {
			return nil, fmt.Errorf("reading the hub CA named by the kubeconfig: %w", err)
		}
	}
	if len(data) == 0 {
		return nil, errors.New("the hub kubeconfig names no certificate-authority: there is no CA to pin for join (use a kubeconfig with certificate-authority-data)")
	}
	ca, err := hubca.Root(data)
	if err != nil {
		return nil, fmt.Errorf("the hub kubeconfig's certificate-authority: %w", err)
	}
	return ca, nil
}
