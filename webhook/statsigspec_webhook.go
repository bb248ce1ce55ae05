package webhook

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// StatsigSpecPath is where the StatsigSpec validating webhook is served.
const StatsigSpecPath = "/validate-flags-statsig-operator-io-v1alpha1-statsigspec"

// lookupTimeout bounds the Secret and ConfigMap reads of one validation.
const lookupTimeout = 2 * time.Second

// +kubebuilder:webhook:path=/validate-flags-statsig-operator-io-v1alpha1-statsigspec,mutating=false,failurePolicy=ignore,sideEffects=None,groups=flags.statsig-operator.io,resources=statsigspecs,verbs=create;update,versions=v1alpha1,name=statsigspecs.statsig-operator.io,admissionReviewVersions=v1,timeoutSeconds=5

// StatsigSpecValidator warns about what the CRD's schema and CEL rules cannot see: references
// to Secrets and ConfigMaps that do not exist or lack the key, and a namespaceSelector that
// does not parse (e.g. a malformed label key). It never denies.
type StatsigSpecValidator struct {
	// Reader reads Secrets and ConfigMaps (uncached: a StatsigSpec is applied rarely).
	Reader client.Reader
	// Namespace is used for references without a namespace (the operator's).
	Namespace string
}

var _ admission.Validator[*flagsv1alpha1.StatsigSpec] = (*StatsigSpecValidator)(nil)

// ValidateCreate allows, with one warning per missing reference.
func (v *StatsigSpecValidator) ValidateCreate(
	ctx context.Context,
	ssp *flagsv1alpha1.StatsigSpec,
) (admission.Warnings, error) {
	return v.validate(ctx, ssp), nil
}

// ValidateUpdate allows, with one warning per missing reference of the new object.
func (v *StatsigSpecValidator) ValidateUpdate(
	ctx context.Context,
	_, ssp *flagsv1alpha1.StatsigSpec,
) (admission.Warnings, error) {
	return v.validate(ctx, ssp), nil
}

// ValidateDelete allows (the webhook is not registered for deletes).
func (v *StatsigSpecValidator) ValidateDelete(context.Context, *flagsv1alpha1.StatsigSpec) (admission.Warnings, error) {
	return nil, nil
}

func (v *StatsigSpecValidator) validate(ctx context.Context, ssp *flagsv1alpha1.StatsigSpec) admission.Warnings {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	return v.warnings(ctx, &ssp.Spec)
}

// The kinds of object a keyRef names.
const (
	kindSecret    = "Secret"
	kindConfigMap = "ConfigMap"
)

type keyRef struct {
	field, kind, namespace, name, key string
}

func (v *StatsigSpecValidator) warnings(ctx context.Context, spec *flagsv1alpha1.StatsigSpecSpec) []string {
	key := spec.SecretKeyRef.Key
	if key == "" {
		key = flagsv1alpha1.DefaultSecretKeyField
	}
	refs := []keyRef{{"spec.secretKeyRef", kindSecret, spec.SecretKeyRef.Namespace, spec.SecretKeyRef.Name, key}}
	if s := spec.Source.Secret; s != nil {
		refs = append(refs, keyRef{"spec.source.secret", kindSecret, s.Namespace, s.Name, s.Key})
	}
	if c := spec.Source.ConfigMap; c != nil {
		refs = append(refs, keyRef{"spec.source.configMap", kindConfigMap, c.Namespace, c.Name, c.Key})
	}
	if p := spec.Proxy; p != nil && p.CredentialsSecretRef != nil {
		r := p.CredentialsSecretRef
		refs = append(refs, keyRef{"spec.proxy.credentialsSecretRef", kindSecret, r.Namespace, r.Name, r.Key})
	}
	var out []string
	if sel := spec.NamespaceSelector; sel != nil {
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			out = append(out, fmt.Sprintf(
				"spec.namespaceSelector is invalid, so no namespace may use this StatsigSpec: %v", err))
		}
	}
	for _, r := range refs {
		if w := v.check(ctx, r); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// check returns a warning for one reference, or "".
func (v *StatsigSpecValidator) check(ctx context.Context, r keyRef) string {
	if r.name == "" {
		return ""
	}
	ns := r.namespace
	if ns == "" {
		ns = v.Namespace
	}
	var keys map[string]bool
	nn := types.NamespacedName{Namespace: ns, Name: r.name}
	var err error
	switch r.kind {
	case kindSecret:
		var s corev1.Secret
		if err = v.Reader.Get(ctx, nn, &s); err == nil {
			keys = map[string]bool{}
			for k := range s.Data {
				keys[k] = true
			}
			for k := range s.StringData {
				keys[k] = true
			}
		}
	case kindConfigMap:
		var c corev1.ConfigMap
		if err = v.Reader.Get(ctx, nn, &c); err == nil {
			keys = map[string]bool{}
			for k := range c.Data {
				keys[k] = true
			}
			for k := range c.BinaryData {
				keys[k] = true
			}
		}
	}
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("%s: %s %s/%s does not exist; the StatsigSpec will not sync until it does",
			r.field, r.kind, ns, r.name)
	case err != nil:
		return fmt.Sprintf("%s: could not check %s %s/%s: %v", r.field, r.kind, ns, r.name, err)
	case r.key != "" && !keys[r.key]:
		return fmt.Sprintf("%s: %s %s/%s has no key %q; the StatsigSpec will not sync until it does",
			r.field, r.kind, ns, r.name, r.key)
	}
	return ""
}
