package hubca

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	clientcmdlatest "k8s.io/client-go/tools/clientcmd/api/latest"
)

// Where a CA candidate came from.
const (
	SourceTLS         = "the TLS handshake"
	SourceClusterInfo = "kube-public/cluster-info"
	SourceCACerts     = "/cacerts"
)

// ClusterInfoPath is the ConfigMap kubeadm (and `kubectl import create`) publish for anonymous
// readers: a kubeconfig with the cluster's CA.
const ClusterInfoPath = "/api/v1/namespaces/kube-public/configmaps/cluster-info"

// Candidate is a CA certificate the hub offered.
type Candidate struct {
	Cert     *x509.Certificate
	Checksum string
	Source   string
}

// MismatchError says the hub offered no CA with the pinned checksum: a wrong hub, a wrong
// command, or someone in between.
type MismatchError struct {
	Hub        string
	Want       string
	Candidates []Candidate
	// Unreachable explains sources that gave nothing.
	Unreachable []string
}

func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the hub's CA does not match --ca-checksum: nothing was sent to the hub and nothing was changed\n")
	fmt.Fprintf(&b, "  expected (--ca-checksum): %s\n", e.Want)
	if len(e.Candidates) == 0 {
		fmt.Fprintf(&b, "  %s offered no CA certificate\n", e.Hub)
	}
	for _, c := range e.Candidates {
		fmt.Fprintf(&b, "  %s offers (%s):  %s  (subject %q)\n", e.Hub, c.Source, c.Checksum, c.Cert.Subject.String())
	}
	for _, u := range e.Unreachable {
		fmt.Fprintf(&b, "  %s\n", u)
	}
	b.WriteString("Check that --hub is the hub's address and copy the join command again from 'kubectl import create'.")
	return b.String()
}

// Candidates are the CA certificates a hub offered, each once (by checksum).
type Candidates []Candidate

// Add keeps the CA certificates of certs not offered before, from source.
func (cs *Candidates) Add(source string, certs []*x509.Certificate) {
	for _, c := range certs {
		sum := Checksum(c)
		if c.IsCA && !cs.has(sum) {
			*cs = append(*cs, Candidate{Cert: c, Checksum: sum, Source: source})
		}
	}
}

func (cs Candidates) has(sum string) bool {
	for _, c := range cs {
		if c.Checksum == sum {
			return true
		}
	}
	return false
}

// Pinned is the candidate whose checksum is pin, nil when none is.
func (cs Candidates) Pinned(pin string) *Candidate {
	for i := range cs {
		if cs[i].Checksum == pin {
			return &cs[i]
		}
	}
	return nil
}

// KubeconfigCAs are the certificate-authority-data of every cluster of a kubeconfig (the
// one in cluster-info).
func KubeconfigCAs(kubeconfig []byte) ([]*x509.Certificate, error) {
	cfg, err := loadKubeconfig(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("its kubeconfig: %w", err)
	}
	var certs []*x509.Certificate
	for _, cluster := range cfg.Clusters {
		if parsed, err := ParseCertificates(cluster.CertificateAuthorityData); err == nil {
			certs = append(certs, parsed...)
		}
	}
	if len(certs) == 0 {
		return nil, errors.New("its kubeconfig holds no certificate-authority-data")
	}
	return certs, nil
}

// Carries says whether a kubeconfig (cluster-info's) names ca among its clusters' CAs.
func Carries(kubeconfig []byte, ca *x509.Certificate) bool {
	certs, err := KubeconfigCAs(kubeconfig)
	if err != nil {
		return false
	}
	for _, c := range certs {
		if Checksum(c) == Checksum(ca) {
			return true
		}
	}
	return false
}

// loadKubeconfig decodes a kubeconfig as clientcmd.Load does, from bytes alone.
func loadKubeconfig(data []byte) (*clientcmdapi.Config, error) {
	cfg := clientcmdapi.NewConfig()
	if len(data) == 0 {
		return cfg, nil
	}
	decoded, _, err := clientcmdlatest.Codec.Decode(data, &schema.GroupVersionKind{Version: clientcmdlatest.Version, Kind: "Config"}, cfg)
	if err != nil {
		return nil, err
	}
	return decoded.(*clientcmdapi.Config), nil
}

// writeKubeconfig encodes a kubeconfig as clientcmd.Write does.
func writeKubeconfig(cfg *clientcmdapi.Config) ([]byte, error) {
	return runtime.Encode(clientcmdlatest.Codec, cfg)
}
