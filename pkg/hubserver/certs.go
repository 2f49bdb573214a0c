package hubserver

import (
	"bytes"
	"context"
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

// addCertRotation runs open-policy-agent/cert-controller: it keeps a CA and a serving
// certificate in the Secret, renews them before they expire and injects the CA into the
// ValidatingWebhookConfiguration; ready closes once the files are in CertDir and the CA is
// injected. Every replica runs it (no leader election): each needs its files.
func addCertRotation(mgr manager.Manager, o Options, ready chan struct{}) error {
	key := types.NamespacedName{Namespace: v1alpha1.HubNamespace, Name: CertSecretName}
	if o.SyncCertFiles {
		if err := mgr.Add(&secretFiles{reader: mgr.GetAPIReader(), key: key, dir: o.CertDir}); err != nil {
			return err
		}
	}
	controllerName := "" // cert-controller's default, cert-rotator
	if o.SkipControllerNameValidation {
		// controller-runtime refuses a controller name already used in the process. The
		// manager's SkipNameValidation does not reach the rotator's controller, which
		// cert-controller creates unmanaged (controller.NewUnmanaged no longer takes the
		// manager since controller-runtime 0.21), so each rotator of a process running several
		// managers (several hubs) gets a name of its own.
		controllerName = fmt.Sprintf("cert-rotator-%d", rotatorSeq.Add(1))
	}
	return rotator.AddRotator(newCertSecretManager(mgr, CertSecretName), &rotator.CertRotator{
		ControllerName:         controllerName,
		SecretKey:              key,
		CertDir:                o.CertDir,
		CAName:                 "kimport-webhook-ca",
		CAOrganization:         "kubectl-import",
		DNSName:                o.CertDNSNames[0],
		ExtraDNSNames:          o.CertDNSNames[1:],
		IsReady:                ready,
		Webhooks:               []rotator.WebhookInfo{{Name: WebhookConfig, Type: rotator.Validating}},
		FieldOwner:             "kimport-webhook",
		ServerCertDuration:     o.ServerCertDuration,
		LookaheadInterval:      o.CertLookahead,
		RotationCheckFrequency: o.CertCheckInterval,
	})
}

// secretFiles copies tls.crt and tls.key from the certificate Secret into a directory, as the
// kubelet does for a Secret volume, for a webhook running outside the cluster. The webhook
// server's certificate watcher reloads the files when they change.
type secretFiles struct {
	reader client.Reader
	key    types.NamespacedName
	dir    string
}

func (s *secretFiles) Start(ctx context.Context) error {
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := s.sync(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "syncing webhook certificate files:", err)
		}
	}, secretSyncPeriod)
	return nil
}

func (s *secretFiles) sync(ctx context.Context) error {
	var secret corev1.Secret
	if err := s.reader.Get(ctx, s.key, &secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	crt, key := secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey]
	if len(crt) == 0 || len(key) == 0 {
		return nil // the rotator has not written it yet
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	// Key first: the watcher reloads on the certificate, which must then match the key.
	for _, f := range []struct {
		name string
		data []byte
	}{{corev1.TLSPrivateKeyKey, key}, {corev1.TLSCertKey, crt}} {
		if err := writeIfChanged(filepath.Join(s.dir, f.name), f.data); err != nil {
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
