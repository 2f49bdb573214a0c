package execinfo

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-import/kubectl-import/pkg/hubca"
)

// Target is where a credential for one imported cluster may be sent: the hub gateway's proxy
// for it and the hub's CA, of the hub the credential is for (inventory.Lookup, which also
// builds what its ClusterProfile publishes as the access provider's cluster).
type Target struct {
	// Cluster is the ImportedCluster's name.
	Cluster string
	Server  string
	// CAData is the PEM bundle a client must trust for Server, and nothing else.
	CAData []byte
	// TLSServerName is the name the server's certificate is checked against when not the
	// host of Server; empty today.
	TLSServerName string
}

// Refusal says which member of the request differs from the hub's record, and how.
type Refusal struct {
	// Field is the member of the request, e.g. "spec.cluster.server".
	Field  string
	Detail string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("refusing to issue a credential: %s of the exec request ($%s) %s", r.Field, Env, r.Detail)
}

// Check refuses a request unless it sends the credential exactly where t says: the request
// names a cluster, its server is t.Server, it trusts exactly the certificates of t.CAData, it
// verifies the server, and the exec extension (if any) names t.Cluster. A proxy is allowed:
// with the server and CA verified it sees only an encrypted tunnel.
func Check(r Request, t Target) error {
	c := r.Cluster
	if c == nil {
		return &Refusal{Field: "spec.cluster", Detail: "is missing: the exec configuration does not set provideClusterInfo, so where the credential goes cannot be checked; " +
			"set provideClusterInfo: true (kubectl config set-credentials NAME --exec-provide-cluster-info) and use the server and CA the hub publishes for " + t.Cluster}
	}
	if c.ClusterName != "" && c.ClusterName != t.Cluster {
		return &Refusal{Field: "spec.cluster.config.clusterName", Detail: fmt.Sprintf("is %q, not %q: the exec extension names another cluster than the one asked for", shown(c.ClusterName), t.Cluster)}
	}
	if trimSlash(c.Server) != trimSlash(t.Server) {
		return &Refusal{Field: "spec.cluster.server", Detail: fmt.Sprintf("is %q, but the hub's gateway for %s is %s: a hub credential goes to that server only; "+
			"take the server and CA from %s's ClusterProfile access provider (kubectl get clusterprofile %s -n kimport-system -o yaml), reaching the hub as it does", shown(c.Server), t.Cluster, t.Server, t.Cluster, t.Cluster)}
	}
	if c.InsecureSkipTLSVerify {
		return &Refusal{Field: "spec.cluster.insecure-skip-tls-verify", Detail: "is true: the server would not be verified; remove it and trust the hub's CA, which " + t.Cluster + "'s ClusterProfile access provider carries"}
	}
	if c.TLSServerName != t.TLSServerName {
		return &Refusal{Field: "spec.cluster.tls-server-name", Detail: fmt.Sprintf("is %q, but the hub's is %q: remove it", shown(c.TLSServerName), t.TLSServerName)}
	}
	return checkCA(c.CAData, t)
}

// checkCA refuses unless got holds exactly the certificates of t.CAData, in any order.
func checkCA(got []byte, t Target) error {
	const field = "spec.cluster.certificate-authority-data"
	want, err := hubca.ParseCertificates(t.CAData)
	if err != nil {
		return fmt.Errorf("the hub's CA: %w", err)
	}
	record := fmt.Sprintf("the hub's is %s", fingerprints(want))
	if len(bytes.TrimSpace(got)) == 0 {
		return &Refusal{Field: field, Detail: "is empty: the client would trust any CA of the system; " + record + ": use that CA (the ClusterProfile's access provider carries it)"}
	}
	certs, err := hubca.ParseCertificates(got)
	if err != nil {
		return &Refusal{Field: field, Detail: fmt.Sprintf("is not a PEM bundle of certificates (%v); %s", err, record)}
	}
	if !sameCertificates(certs, want) {
		return &Refusal{Field: field, Detail: fmt.Sprintf("trusts %s, but %s: a credential of %s goes only to a server proven by that CA", fingerprints(certs), record, t.Cluster)}
	}
	return nil
}

// sameCertificates compares two sets of certificates by their DER encoding.
func sameCertificates(a, b []*x509.Certificate) bool {
	der := func(certs []*x509.Certificate) []string {
		out := make([]string, 0, len(certs))
		for _, c := range certs {
			out = append(out, string(c.Raw))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(der(a), der(b))
}

// fingerprints names certificates by their key's checksum (the --ca-checksum form).
func fingerprints(certs []*x509.Certificate) string {
	sums := make([]string, 0, len(certs))
	for _, c := range certs {
		sums = append(sums, hubca.Checksum(c))
	}
	if len(sums) == 1 {
		return "the CA " + sums[0]
	}
	return "the CAs " + strings.Join(sums, ", ")
}

func trimSlash(s string) string { return strings.TrimSuffix(s, "/") }
