package hubserver

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
)

// Names of the certificate objects (deploy/base/webhook.yaml).
const (
	CertSecretName = "kimport-webhook-tls"
	WebhookConfig  = v1alpha1.WebhookComponent // the ValidatingWebhookConfiguration init installs
)

// rotatorSeq numbers the rotators of a process that skips controller name validation.
var rotatorSeq atomic.Int64

// rotation is one serving certificate kept by cert-controller: its Secret, the files it is
// read from, its names, and where its CA is injected.
type rotation struct {
	secret, caName, fieldOwner string
	// controllerName is the rotator's controller ("" for cert-controller's default).
	controllerName string
	dir            string
	dnsNames       []string
	inject         rotator.WebhookInfo
	usages         []x509.ExtKeyUsage
	// files are the Secret's keys written into dir outside a cluster (SyncCertFiles).
	files []string
}

// webhookRotation is the admission webhook's certificate, its CA injected into the
// ValidatingWebhookConfiguration.
func webhookRotation(o Options) rotation {
	return rotation{secret: CertSecretName, caName: "kimport-webhook-ca", fieldOwner: "kimport-webhook", dir: o.CertDir, dnsNames: o.CertDNSNames,
		inject: rotator.WebhookInfo{Name: WebhookConfig, Type: rotator.Validating}, usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		files: []string{corev1.TLSPrivateKeyKey, corev1.TLSCertKey}}
}

// addCertRotation runs open-policy-agent/cert-controller for r: it keeps a CA and a serving
// certificate in the Secret, renews them before they expire and injects the CA where r says;
// ready closes once the files are in r.dir and the CA is injected. Every replica runs it (no
// leader election): each needs its files.
func addCertRotation(mgr manager.Manager, o Options, r rotation, ready chan struct{}) error {
	key := types.NamespacedName{Namespace: v1alpha1.HubNamespace, Name: r.secret}
	if o.SyncCertFiles {
		if err := mgr.Add(&secretFiles{reader: mgr.GetAPIReader(), key: key, dir: r.dir, keys: r.files}); err != nil {
			return err
		}
	}
	controllerName := r.controllerName
	if o.SkipControllerNameValidation {
		// controller-runtime refuses a controller name already used in the process. The
		// manager's SkipNameValidation does not reach the rotator's controller, which
		// cert-controller creates unmanaged (controller.NewUnmanaged no longer takes the
		// manager since controller-runtime 0.21), so each rotator of a process running several
		// managers (several hubs) gets a name of its own.
		controllerName = fmt.Sprintf("cert-rotator-%d", rotatorSeq.Add(1))
	}
	usages := r.usages
	return rotator.AddRotator(newCertSecretManager(mgr, r.secret), &rotator.CertRotator{
		ControllerName:         controllerName,
		SecretKey:              key,
		CertDir:                r.dir,
		CAName:                 r.caName,
		CAOrganization:         "kubectl-import",
		DNSName:                r.dnsNames[0],
		ExtraDNSNames:          r.dnsNames[1:],
		IsReady:                ready,
		Webhooks:               []rotator.WebhookInfo{r.inject},
		FieldOwner:             r.fieldOwner,
		ExtKeyUsages:           &usages,
		ServerCertDuration:     o.ServerCertDuration,
		LookaheadInterval:      o.CertLookahead,
		RotationCheckFrequency: o.CertCheckInterval,
	})
}

// secretFiles copies keys (tls.key and tls.crt, and ca.crt for the gateway's peers) from a
// certificate Secret into a directory, as the kubelet does for a Secret volume, for a
// component running outside the cluster. The servers' certificate watchers reload the files
// when they change.
type secretFiles struct {
	reader client.Reader
	key    types.NamespacedName
	dir    string
	keys   []string
}

func (s *secretFiles) Start(ctx context.Context) error {
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := s.sync(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "syncing the certificate files of secret", s.key.Name+":", err)
		}
	}, secretSyncPeriod)
	return nil
}

func (s *secretFiles) sync(ctx context.Context) error {
	var secret corev1.Secret
	if err := s.reader.Get(ctx, s.key, &secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	for _, k := range s.keys {
		if len(secret.Data[k]) == 0 {
			return nil // the rotator has not written it yet
		}
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	// In order (the key before the certificate): the watcher reloads on the certificate,
	// which must then match the key.
	for _, k := range s.keys {
		if err := writeIfChanged(filepath.Join(s.dir, k), secret.Data[k]); err != nil {
			return err
		}
	}
	return nil
}

// writeIfChanged replaces path atomically (rename) so a reader never sees half a file.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
