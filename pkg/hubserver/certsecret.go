package hubserver

import (
	"net/http"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// secretsPath is the collection the rotator's cache lists and watches.
const secretsPath = "/api/v1/namespaces/" + v1alpha1.HubNamespace + "/secrets"

// certSecretManager is the manager as cert-controller sees it. The rotator builds its own cache
// from GetConfig and lists and watches every Secret of kimport-system with it — the
// credentials of every direct-mode cluster included. Through this view its lists and watches
// of Secrets ask for the certificate Secret alone (a metadata.name field selector), which is all
// the webhook's RBAC allows it (resourceNames: kimport-webhook-tls).
type certSecretManager struct {
	manager.Manager
	cfg *rest.Config
}

func newCertSecretManager(mgr manager.Manager, secret string) certSecretManager {
	cfg := rest.CopyConfig(mgr.GetConfig())
	inner := cfg.WrapTransport
	selector := fields.OneTermEqualSelector("metadata.name", secret).String()
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if inner != nil {
			rt = inner(rt)
		}
		return onlySecret{next: rt, selector: selector}
	}
	return certSecretManager{Manager: mgr, cfg: cfg}
}

func (m certSecretManager) GetConfig() *rest.Config { return m.cfg }

type onlySecret struct {
	next     http.RoundTripper
	selector string
}

func (o onlySecret) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.URL.Path == secretsPath {
		req = req.Clone(req.Context())
		q := req.URL.Query()
		q.Set("fieldSelector", o.selector)
		u := *req.URL
		u.RawQuery = q.Encode()
		req.URL = &u
	}
	return o.next.RoundTrip(req)
}
