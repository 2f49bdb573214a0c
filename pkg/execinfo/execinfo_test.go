package execinfo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// newCA is a self-signed CA certificate as PEM.
func newCA(t testing.TB, name string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// request is a request as client-go writes it, with cluster members given as JSON.
func request(apiVersion, cluster string) string {
	if cluster == "" {
		return fmt.Sprintf(`{"kind":"ExecCredential","apiVersion":%q,"spec":{"interactive":false}}`, apiVersion)
	}
	return fmt.Sprintf(`{"kind":"ExecCredential","apiVersion":%q,"spec":{"cluster":%s,"interactive":false}}`, apiVersion, cluster)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestParse(t *testing.T) {
	ca := newCA(t, "lab")
	cluster := fmt.Sprintf(`{"server":"https://10.0.0.5:6443","certificate-authority-data":%q,"config":{"clusterName":"lab","command":["kubectl","import","credentials","lab"]}}`, b64(ca))
	for _, tc := range []struct {
		name, data, err string
		want            *Cluster
		version         string
	}{
		{name: "v1 with the cluster", data: request(APIVersionV1, cluster), version: APIVersionV1,
			want: &Cluster{Server: "https://10.0.0.5:6443", CAData: ca, ClusterName: "lab"}},
		{name: "v1beta1", data: request(APIVersionV1beta1, cluster), version: APIVersionV1beta1,
			want: &Cluster{Server: "https://10.0.0.5:6443", CAData: ca, ClusterName: "lab"}},
		{name: "no cluster (provideClusterInfo false)", data: request(APIVersionV1, ""), version: APIVersionV1},
		{name: "cluster without extension", data: request(APIVersionV1, `{"server":"https://a:6443","proxy-url":"http://p:3128","tls-server-name":"x"}`), version: APIVersionV1,
			want: &Cluster{Server: "https://a:6443", ProxyURL: "http://p:3128", TLSServerName: "x"}},
		{name: "extension null", data: request(APIVersionV1, `{"server":"https://a:6443","config":null}`), version: APIVersionV1,
			want: &Cluster{Server: "https://a:6443"}},
		{name: "an unknown extension member is allowed", data: request(APIVersionV1, `{"server":"https://a:6443","config":{"clusterName":"lab","gateway":true}}`), version: APIVersionV1,
			want: &Cluster{Server: "https://a:6443", ClusterName: "lab"}},
		{name: "not JSON", data: "{", err: "is not an ExecCredential request"},
		{name: "an array", data: "[]", err: "want a JSON object"},
		{name: "trailing data", data: request(APIVersionV1, "") + " {}", err: "is not an ExecCredential request"},
		{name: "wrong kind", data: `{"kind":"Pod","apiVersion":"client.authentication.k8s.io/v1","spec":{}}`, err: `kind is "Pod", want ExecCredential`},
		{name: "old version", data: request("client.authentication.k8s.io/v1alpha1", ""), err: `apiVersion is "client.authentication.k8s.io/v1alpha1"`},
		{name: "duplicated server", data: request(APIVersionV1, `{"server":"https://a:6443","server":"https://attacker.invalid:6443"}`), err: `duplicate field "spec.cluster.server"`},
		{name: "server in another case", data: request(APIVersionV1, `{"Server":"https://attacker.invalid:6443"}`), err: `unknown field "spec.cluster.Server"`},
		{name: "unknown cluster member", data: request(APIVersionV1, `{"server":"https://a:6443","proxy":"http://attacker.invalid"}`), err: `unknown field "spec.cluster.proxy"`},
		{name: "unknown top-level member", data: `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{},"status":{"token":"x"}}`, err: `unknown field "status"`},
		{name: "duplicated clusterName", data: request(APIVersionV1, `{"server":"https://a:6443","config":{"clusterName":"a","clusterName":"b"}}`), err: `duplicate field "clusterName"`},
		{name: "extension not an object", data: request(APIVersionV1, `{"server":"https://a:6443","config":"lab"}`), err: "spec.cluster.config (the cluster's exec extension): want a JSON object"},
		{name: "CA not base64", data: request(APIVersionV1, `{"server":"https://a:6443","certificate-authority-data":"%%%"}`), err: "is not an ExecCredential request"},
		{name: "too large", data: strings.Repeat(" ", MaxSize+1), err: "more than the 131072 an exec request can be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse(tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.APIVersion != tc.version {
				t.Errorf("apiVersion %q, want %q", r.APIVersion, tc.version)
			}
			if (r.Cluster == nil) != (tc.want == nil) {
				t.Fatalf("cluster %+v, want %+v", r.Cluster, tc.want)
			}
			if tc.want != nil && fmt.Sprint(*r.Cluster) != fmt.Sprint(*tc.want) {
				t.Errorf("cluster %+v, want %+v", *r.Cluster, *tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ca, other := newCA(t, "lab"), newCA(t, "attacker")
	target := Target{Cluster: "lab", Server: "https://hub:6443/apis/gateway.kimport.dev/v1alpha1/clusters/lab/proxy", CAData: ca}
	good := Cluster{Server: target.Server, CAData: ca, ClusterName: "lab"}
	with := func(change func(*Cluster)) *Cluster {
		c := good
		change(&c)
		return &c
	}
	for _, tc := range []struct {
		name    string
		cluster *Cluster
		field   string
		detail  string
	}{
		{name: "exactly the hub's record", cluster: &good},
		{name: "a trailing slash", cluster: with(func(c *Cluster) { c.Server += "/" })},
		{name: "no extension (NAME given)", cluster: with(func(c *Cluster) { c.ClusterName = "" })},
		{name: "through a proxy", cluster: with(func(c *Cluster) { c.ProxyURL = "http://proxy:3128" })},
		{name: "the CA twice, with other PEM blocks", cluster: with(func(c *Cluster) {
			c.CAData = append(append(append([]byte{}, ca...), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"...), ca...)
		})},
		{name: "no cluster", field: "spec.cluster", detail: "provideClusterInfo"},
		{name: "an attacker's server", cluster: with(func(c *Cluster) { c.Server = "https://attacker.invalid:6443" }),
			field: "spec.cluster.server", detail: `is "https://attacker.invalid:6443", but the hub's gateway for lab is https://hub:6443/apis/gateway.kimport.dev/v1alpha1/clusters/lab/proxy`},
		{name: "http", cluster: with(func(c *Cluster) { c.Server = strings.Replace(target.Server, "https:", "http:", 1) }), field: "spec.cluster.server"},
		// The hub itself, or another cluster's proxy on it: not the gateway for lab.
		{name: "the hub's own API", cluster: with(func(c *Cluster) { c.Server = "https://hub:6443" }), field: "spec.cluster.server"},
		{name: "another cluster's proxy", cluster: with(func(c *Cluster) { c.Server = strings.Replace(target.Server, "/lab/", "/prod/", 1) }), field: "spec.cluster.server"},
		{name: "another cluster's extension", cluster: with(func(c *Cluster) { c.ClusterName = "prod" }), field: "spec.cluster.config.clusterName"},
		{name: "no CA", cluster: with(func(c *Cluster) { c.CAData = nil }), field: "spec.cluster.certificate-authority-data", detail: "is empty"},
		{name: "another CA", cluster: with(func(c *Cluster) { c.CAData = other }), field: "spec.cluster.certificate-authority-data", detail: "the hub's is the CA sha256:"},
		{name: "the CA and another", cluster: with(func(c *Cluster) { c.CAData = append(append([]byte{}, ca...), other...) }), field: "spec.cluster.certificate-authority-data", detail: "trusts the CAs sha256:"},
		{name: "not PEM", cluster: with(func(c *Cluster) { c.CAData = []byte("CA") }), field: "spec.cluster.certificate-authority-data", detail: "is not a PEM bundle"},
		{name: "verification off", cluster: with(func(c *Cluster) { c.InsecureSkipTLSVerify = true }), field: "spec.cluster.insecure-skip-tls-verify"},
		{name: "another server name", cluster: with(func(c *Cluster) { c.TLSServerName = "attacker.invalid" }), field: "spec.cluster.tls-server-name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(Request{APIVersion: APIVersionV1, Cluster: tc.cluster}, target)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			r, ok := err.(*Refusal)
			if !ok || r.Field != tc.field || !strings.Contains(r.Detail, tc.detail) {
				t.Fatalf("error %v, want a refusal of %s saying %q", err, tc.field, tc.detail)
			}
			if !strings.Contains(err.Error(), "refusing to issue a credential: "+tc.field) {
				t.Errorf("message %q names no field", err)
			}
		})
	}
}
