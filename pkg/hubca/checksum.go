// Package hubca pins a hub's CA by the sha256 of its SubjectPublicKeyInfo, kubeadm's
// --discovery-token-ca-cert-hash format, and chooses among the CAs a hub offers the one that
// matches the pin: nothing the hub says is trusted until it does. It also describes what
// `create` publishes for anonymous readers (kube-public/cluster-info). Pure: pkg/hubdiscovery
// talks to the hub.
package hubca

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ChecksumPrefix starts every checksum: the hash algorithm, as kubeadm writes it.
const ChecksumPrefix = "sha256:"

// Checksum is "sha256:" and the hex sha256 of cert's SubjectPublicKeyInfo. It names the key,
// so a CA re-issued with the same key keeps its checksum.
func Checksum(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return ChecksumPrefix + hex.EncodeToString(sum[:])
}

// ParseChecksum checks the --ca-checksum format and returns it in lower case.
func ParseChecksum(s string) (string, error) {
	const hexLen = 2 * sha256.Size
	lower := strings.ToLower(strings.TrimSpace(s))
	digest, ok := strings.CutPrefix(lower, ChecksumPrefix)
	if !ok {
		return "", fmt.Errorf("invalid --ca-checksum %q: it must start with %q followed by %d hex digits (copy it from the output of 'kubectl import create')", s, ChecksumPrefix, hexLen)
	}
	if _, err := hex.DecodeString(digest); err != nil || len(digest) != hexLen {
		return "", fmt.Errorf("invalid --ca-checksum %q: after %q come exactly %d hex digits, this has %d characters (copy it from the output of 'kubectl import create')", s, ChecksumPrefix, hexLen, len(digest))
	}
	return lower, nil
}

// ParseCertificates reads every certificate of a PEM bundle.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return certs, nil
}

// EncodePEM is cert as one PEM block.
func EncodePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// Root is the CA of a PEM bundle that `create` pins: a self-signed CA of the bundle, else its
// last certificate (kubeconfigs list leaf-most first).
func Root(data []byte) (*x509.Certificate, error) {
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if c.IsCA && isSelfSigned(c) {
			return c, nil
		}
	}
	return certs[len(certs)-1], nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil
}
