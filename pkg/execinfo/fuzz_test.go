package execinfo

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-import/kubectl-import/pkg/hubca"
)

// maxMessage bounds an error message.
const maxMessage = 2048

// FuzzParse: Parse never panics, is deterministic, says why in a bounded message free of
// control characters, and Check accepts a request only when it sends the credential exactly
// where the target says (recomputed here independently of Check).
func FuzzParse(f *testing.F) {
	ca, err := os.ReadFile("testdata/ca.pem")
	if err != nil {
		f.Fatal(err)
	}
	target := Target{Cluster: "lab", Server: "https://10.0.0.5:6443", CAData: ca}
	f.Add(request(APIVersionV1, fmt.Sprintf(`{"server":"https://10.0.0.5:6443","certificate-authority-data":%q,"config":{"clusterName":"lab","command":["kubectl","import","credentials","lab"]}}`, b64(ca))))
	f.Add(request(APIVersionV1beta1, fmt.Sprintf(`{"server":"https://10.0.0.5:6443/","certificate-authority-data":%q,"proxy-url":"http://p:3128"}`, b64(ca))))
	f.Add(request(APIVersionV1, fmt.Sprintf(`{"server":"https://attacker.invalid:6443","certificate-authority-data":%q,"config":{"clusterName":"lab"}}`, b64(ca))))
	f.Add(request(APIVersionV1, `{"server":"https://10.0.0.5:6443","server":"https://attacker.invalid:6443"}`))
	f.Add(request(APIVersionV1, ""))
	f.Fuzz(func(t *testing.T, data string) {
		r, err := Parse(data)
		again, err2 := Parse(data)
		if !reflect.DeepEqual(r, again) || fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatal("not deterministic")
		}
		if err != nil {
			checkMessage(t, err)
			if !reflect.DeepEqual(r, Request{}) {
				t.Fatalf("refused, yet returned %+v", r)
			}
			return
		}
		if r.APIVersion != APIVersionV1 && r.APIVersion != APIVersionV1beta1 {
			t.Fatalf("accepted apiVersion %q", r.APIVersion)
		}
		err = Check(r, target)
		if err != nil {
			checkMessage(t, err)
			if _, ok := err.(*Refusal); !ok {
				t.Fatalf("a refusal that names no field: %v", err)
			}
			return
		}
		c := r.Cluster
		if c == nil || strings.TrimSuffix(c.Server, "/") != target.Server || c.InsecureSkipTLSVerify || c.TLSServerName != "" ||
			(c.ClusterName != "" && c.ClusterName != target.Cluster) {
			t.Fatalf("accepted a request that does not name the target: %+v", c)
		}
		got, err := hubca.ParseCertificates(c.CAData)
		if err != nil {
			t.Fatalf("accepted a CA that does not parse: %v", err)
		}
		want, _ := hubca.ParseCertificates(ca)
		for _, g := range got {
			if !bytes.Equal(g.Raw, want[0].Raw) {
				t.Fatalf("accepted a request trusting another certificate (%s)", g.Subject)
			}
		}
	})
}

func checkMessage(t *testing.T, err error) {
	t.Helper()
	m := err.Error()
	if len(m) > maxMessage {
		t.Fatalf("message of %d bytes: %.200s…", len(m), m)
	}
	if strings.ContainsFunc(m, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		t.Fatalf("message carries a control character: %q", m)
	}
}
