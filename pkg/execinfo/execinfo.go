// Package execinfo reads the request client-go hands an exec credential plugin in
// $KUBERNETES_EXEC_INFO (an ExecCredential of client.authentication.k8s.io) and checks that the
// cluster it names is the one a credential is issued for. Pure functions: `kubectl import
// credentials` passes the environment variable and the hub gateway's proxy for the cluster in.
//
// The request says where the credential will be sent (spec.cluster, filled from the
// kubeconfig or ClusterProfile that runs the plugin). A forged kubeconfig or ClusterProfile
// controls that cluster, so the credential is issued only when every field that decides where
// it goes is exactly the hub's gateway for the cluster and the hub's CA, and only when the
// request names a cluster at all.
package execinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	sigsjson "sigs.k8s.io/json"
)

// Env is where client-go passes an exec plugin its request.
const Env = "KUBERNETES_EXEC_INFO"

// The versions of client.authentication.k8s.io whose request carries spec.cluster (v1 and
// v1beta1 share its shape). The answer must carry the version of the request.
const (
	APIVersionV1      = "client.authentication.k8s.io/v1"
	APIVersionV1beta1 = "client.authentication.k8s.io/v1beta1"
	Kind              = "ExecCredential"
)

// MaxSize bounds the request: the kernel passes no environment string beyond 128 KiB.
const MaxSize = 128 << 10

// Request is the part of the exec request that matters here.
type Request struct {
	// APIVersion is APIVersionV1 or APIVersionV1beta1.
	APIVersion string
	// Cluster is nil when client-go was not asked for it (provideClusterInfo false).
	Cluster *Cluster
}

// Cluster is spec.cluster of the request: where the credential will be sent, and the exec
// extension's clusterName (ExtensionClusterName), which names the imported cluster.
type Cluster struct {
	Server                string
	TLSServerName         string
	InsecureSkipTLSVerify bool
	CAData                []byte
	ProxyURL              string
	DisableCompression    bool
	// ClusterName is the extension's clusterName; empty without an extension.
	ClusterName string
}

// The request as client-go writes it (k8s.io/client-go/pkg/apis/clientauthentication/v1).
// Decoded strictly: names match case-sensitively, no member twice, no unknown member. An
// unknown member of spec.cluster could change where the credential goes (as proxy-url does),
// so it cannot be vouched for; client-go's stable request has none.
type wireRequest struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Spec       wireSpec `json:"spec"`
}

type wireSpec struct {
	Cluster     *wireCluster `json:"cluster,omitempty"`
	Interactive bool         `json:"interactive"`
}

type wireCluster struct {
	Server                   string          `json:"server"`
	TLSServerName            string          `json:"tls-server-name,omitempty"`
	InsecureSkipTLSVerify    bool            `json:"insecure-skip-tls-verify,omitempty"`
	CertificateAuthorityData []byte          `json:"certificate-authority-data,omitempty"`
	ProxyURL                 string          `json:"proxy-url,omitempty"`
	DisableCompression       bool            `json:"disable-compression,omitempty"`
	Config                   json.RawMessage `json:"config,omitempty"`
}

// extension is the exec extension the hub publishes (inventory.ExecProvider). Unknown members
// are allowed: they route nothing, and a newer hub may add some.
type extension struct {
	ClusterName string `json:"clusterName"`
}

// Parse reads $KUBERNETES_EXEC_INFO. Every error names the member and says what is wrong.
func Parse(data string) (Request, error) {
	if len(data) > MaxSize {
		return Request{}, fmt.Errorf("$%s is %d bytes, more than the %d an exec request can be", Env, len(data), MaxSize)
	}
	var w wireRequest
	if err := strict([]byte(data), &w); err != nil {
		return Request{}, fmt.Errorf("$%s is not an ExecCredential request: %w", Env, err)
	}
	if w.Kind != Kind {
		return Request{}, fmt.Errorf("$%s: kind is %q, want %s", Env, shown(w.Kind), Kind)
	}
	if w.APIVersion != APIVersionV1 && w.APIVersion != APIVersionV1beta1 {
		return Request{}, fmt.Errorf("$%s: apiVersion is %q, want %s (or %s): set the exec plugin's apiVersion to one of them", Env, shown(w.APIVersion), APIVersionV1, APIVersionV1beta1)
	}
	r := Request{APIVersion: w.APIVersion}
	if w.Spec.Cluster == nil {
		return r, nil
	}
	c := w.Spec.Cluster
	r.Cluster = &Cluster{Server: c.Server, TLSServerName: c.TLSServerName, InsecureSkipTLSVerify: c.InsecureSkipTLSVerify,
		CAData: c.CertificateAuthorityData, ProxyURL: c.ProxyURL, DisableCompression: c.DisableCompression}
	if raw := bytes.TrimSpace(c.Config); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		var ext extension
		if err := strictKnown(raw, &ext); err != nil {
			return Request{}, fmt.Errorf("$%s: spec.cluster.config (the cluster's exec extension): %w", Env, err)
		}
		r.Cluster.ClusterName = ext.ClusterName
	}
	return r, nil
}

// strict decodes data into v refusing unknown and duplicated members; names match case-sensitively.
func strict(data []byte, v any) error {
	return decode(data, v, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
}

// strictKnown is strict but lets unknown members pass.
func strictKnown(data []byte, v any) error {
	return decode(data, v, sigsjson.DisallowDuplicateFields)
}

func decode(data []byte, v any, opts ...sigsjson.StrictOption) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("want a JSON object")
	}
	strictErrs, err := sigsjson.UnmarshalStrict(data, v, opts...)
	if err != nil {
		return err
	}
	if len(strictErrs) > 0 {
		msgs := make([]string, len(strictErrs))
		for i, e := range strictErrs {
			msgs[i] = e.Error()
		}
		return errors.New(shown(strings.Join(msgs, "; ")))
	}
	return nil
}

// maxShown bounds what a message repeats of the request.
const maxShown = 200

// shown cuts s to maxShown bytes on a rune boundary; messages quote it (%q), so no control
// character of a request is printed.
func shown(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
