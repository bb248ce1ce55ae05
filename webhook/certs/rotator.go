package certs

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Secret keys. ca.crt is the CA bundle: the current CA first, then the previous CA while it
// is still valid, so apiservers trust both during a CA rotation.
const (
	KeyCert   = "tls.crt"
	KeyKey    = "tls.key"
	KeyCA     = "ca.crt"
	KeyCAKey  = "ca.key"
	fieldMgr  = "statsig-operator"
	year      = 365 * 24 * time.Hour
	dayPeriod = 24 * time.Hour
)

// Rotator keeps a serving certificate valid: the webhook's, and the endpoint's when it serves
// TLS (then without webhook configurations to patch). The Secret is the source of truth shared by
// all replicas: any replica creates or renews it (optimistic concurrency decides races), and
// every replica writes it to its cert dir, where the webhook server's certwatcher reloads it.
type Rotator struct {
	// Reader reads the Secret and webhook configurations uncached; Writer writes them.
	Reader client.Reader
	Writer client.Client
	// Namespace and SecretName locate the Secret; Service names the webhook Service, whose
	// in-cluster DNS names the serving certificate covers.
	Namespace, SecretName, Service string
	// CertDir receives tls.crt, tls.key and ca.crt.
	CertDir string
	// MutatingConfigs and ValidatingConfigs get the CA bundle in every webhook's clientConfig.
	MutatingConfigs, ValidatingConfigs []string
	// CAValidity (default 10 years), CertValidity (1 year), RenewBefore (90 days before
	// expiry) and CheckInterval (1 hour) tune rotation.
	CAValidity, CertValidity, RenewBefore, CheckInterval time.Duration
	// Now is the clock (time.Now by default); tests move it forward.
	Now func() time.Time
	Log logr.Logger

	// mu serialises Ensure: the periodic check and the CA-bundle watch both call it, and a
	// pass reads and writes the Secret, the files and the configurations.
	mu sync.Mutex
}

func (r *Rotator) defaults() {
	if r.CAValidity == 0 {
		r.CAValidity = 10 * year
	}
	if r.CertValidity == 0 {
		r.CertValidity = year
	}
	if r.RenewBefore == 0 {
		r.RenewBefore = 90 * dayPeriod
	}
	if r.CheckInterval == 0 {
		r.CheckInterval = time.Hour
	}
	if r.Now == nil {
		r.Now = time.Now
	}
}

// DNSNames are the names the serving certificate covers.
func (r *Rotator) DNSNames() []string {
	svc := r.Service + "." + r.Namespace
	return []string{svc + ".svc", svc, svc + ".svc.cluster.local"}
}

// NeedLeaderElection is false: every replica serves the webhook and needs the files.
func (r *Rotator) NeedLeaderElection() bool { return false }

// Start re-checks the certificate every CheckInterval until ctx ends.
func (r *Rotator) Start(ctx context.Context) error {
	r.mu.Lock()
	r.defaults()
	interval := r.CheckInterval
	r.mu.Unlock()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Ensure(ctx); err != nil {
			r.Log.Error(err, "Failed to ensure the serving certificate; retrying", "secret", r.SecretName)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Ensure makes one pass: renew the Secret if needed, write the files, patch caBundles.
func (r *Rotator) Ensure(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.defaults()
	var data map[string][]byte
	var err error
	for range 5 {
		data, err = r.ensureSecret(ctx)
		if err == nil || (!apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err)) {
			break
		}
	}
	if err != nil {
		return err
	}
	if err := r.writeFiles(data); err != nil {
		return err
	}
	return r.patchCABundles(ctx, data[KeyCA])
}

// ensureSecret returns valid Secret data, renewing what is missing or close to expiry.
func (r *Rotator) ensureSecret(ctx context.Context) (map[string][]byte, error) {
	var s corev1.Secret
	err := r.Reader.Get(ctx, types.NamespacedName{Namespace: r.Namespace, Name: r.SecretName}, &s)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("get Secret %s/%s: %w", r.Namespace, r.SecretName, err)
	}
	next, changed, err := Renew(s.Data, r.DNSNames(), r.Now(), r.CAValidity, r.CertValidity, r.RenewBefore)
	if err != nil || !changed {
		return next, err
	}
	if !exists {
		s = corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: r.SecretName,
			Labels: map[string]string{
				"app.kubernetes.io/managed-by": "statsig-operator",
			}}, Type: corev1.SecretTypeTLS, Data: next}
		if err := r.Writer.Create(ctx, &s, client.FieldOwner(fieldMgr)); err != nil {
			return nil, err
		}
		r.Log.Info("Created serving certificate Secret", "secret", r.SecretName)
		return next, nil
	}
	s.Data = next
	if err := r.Writer.Update(ctx, &s, client.FieldOwner(fieldMgr)); err != nil {
		return nil, err
	}
	r.Log.Info("Rotated serving certificate", "secret", r.SecretName)
	return next, nil
}

// Renew returns data with a CA and serving certificate valid for at least renewBefore at
// now (creating what is missing, expiring, or not matching dnsNames); changed reports
// whether anything was replaced.
func Renew(
	data map[string][]byte,
	dnsNames []string,
	now time.Time,
	caValidity, certValidity, renewBefore time.Duration,
) (map[string][]byte, bool, error) {
	ca := KeyPair{Cert: firstPEM(data[KeyCA]), Key: data[KeyCAKey]}
	caCert, _, caErr := parse(ca)
	needCA := caErr != nil || now.Add(renewBefore).After(caCert.NotAfter)
	bundle := data[KeyCA]
	if needCA {
		var err error
		if ca, err = newCA(caName(dnsNames), now, caValidity); err != nil {
			return nil, false, err
		}
		bundle = ca.Cert
		if caErr == nil && now.Before(caCert.NotAfter) {
			bundle = append(append([]byte{}, ca.Cert...), firstPEM(data[KeyCA])...)
		}
		caCert, _, _ = parse(ca)
	}
	if !needCA && servingValid(data, caCert, dnsNames, now.Add(renewBefore)) {
		return data, false, nil
	}
	serving, err := newServing(ca, dnsNames, now, certValidity)
	if err != nil {
		return nil, false, err
	}
	return map[string][]byte{KeyCert: serving.Cert, KeyKey: serving.Key, KeyCA: bundle, KeyCAKey: ca.Key}, true, nil
}

// servingValid reports whether the serving cert is signed by ca, covers dnsNames and is
// still valid at deadline.
func servingValid(data map[string][]byte, ca *x509.Certificate, dnsNames []string, deadline time.Time) bool {
	cert, err := parseCert(data[KeyCert])
	if err != nil || len(data[KeyKey]) == 0 || deadline.After(cert.NotAfter) || cert.CheckSignatureFrom(ca) != nil {
		return false
	}
	for _, n := range dnsNames {
		if cert.VerifyHostname(n) != nil {
			return false
		}
	}
	return true
}

// caName names a CA after the Service its certificate serves ("statsig-operator-webhook-ca"),
// so the webhook's and the endpoint's CAs are told apart.
func caName(dnsNames []string) string {
	svc, _, _ := strings.Cut(dnsNames[0], ".")
	return svc + "-ca"
}

// firstPEM is the first PEM block of a bundle.
func firstPEM(b []byte) []byte {
	i := bytes.Index(b, []byte("-----END CERTIFICATE-----"))
	if i < 0 {
		return b
	}
	end := i + len("-----END CERTIFICATE-----")
	if end < len(b) && b[end] == '\n' {
		end++
	}
	return b[:end]
}

// writeFiles writes the serving files atomically (temp file + rename), only when changed.
func (r *Rotator) writeFiles(data map[string][]byte) error {
	if err := os.MkdirAll(r.CertDir, 0o700); err != nil {
		return err
	}
	for _, k := range []string{KeyCA, KeyKey, KeyCert} {
		path := filepath.Join(r.CertDir, k)
		if cur, err := os.ReadFile(path); err == nil && bytes.Equal(cur, data[k]) {
			continue
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data[k], 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return nil
}

// patchCABundles sets caBundle on every webhook of the configured configurations; a missing
// configuration is skipped (it may be installed later; the next check patches it).
func (r *Rotator) patchCABundles(ctx context.Context, bundle []byte) error {
	var errs []error
	for _, name := range r.MutatingConfigs {
		var cfg admissionregistrationv1.MutatingWebhookConfiguration
		errs = append(errs, r.patch(ctx, name, &cfg, func() bool {
			changed := false
			for i := range cfg.Webhooks {
				changed = setBundle(&cfg.Webhooks[i].ClientConfig, bundle) || changed
			}
			return changed
		}))
	}
	for _, name := range r.ValidatingConfigs {
		var cfg admissionregistrationv1.ValidatingWebhookConfiguration
		errs = append(errs, r.patch(ctx, name, &cfg, func() bool {
			changed := false
			for i := range cfg.Webhooks {
				changed = setBundle(&cfg.Webhooks[i].ClientConfig, bundle) || changed
			}
			return changed
		}))
	}
	return errors.Join(errs...)
}

func (r *Rotator) patch(ctx context.Context, name string, obj client.Object, mutate func() bool) error {
	if err := r.Reader.Get(ctx, types.NamespacedName{Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	orig := obj.DeepCopyObject().(client.Object)
	if !mutate() {
		return nil
	}
	mergePatch := client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})
	if err := r.Writer.Patch(ctx, obj, mergePatch, client.FieldOwner(fieldMgr)); err != nil {
		return fmt.Errorf("patch caBundle of %s: %w", name, err)
	}
	r.Log.Info("Patched webhook caBundle", "configuration", name)
	return nil
}

func setBundle(cc *admissionregistrationv1.WebhookClientConfig, bundle []byte) bool {
	if bytes.Equal(cc.CABundle, bundle) {
		return false
	}
	cc.CABundle = bundle
	return true
}
